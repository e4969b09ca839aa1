/// The company/batch header record ("5"). CoverPay only originates debits: service class 225.
public struct NACHABatchHeader: Sendable, Hashable {
    /// 200 mixed, 220 credits only, 225 debits only.
    public var serviceClassCode: Int
    public var companyName: String
    public var companyDiscretionaryData: String
    /// 10 characters, usually "1" and the originator's EIN.
    public var companyIdentification: String
    public var secCode: SECCode
    /// What the receiver sees on the statement: "PREMIUM", or "RETRY PYMT" for a reinitiated entry.
    public var entryDescription: String
    public var companyDescriptiveDate: String
    public var effectiveEntryDate: CalendarDate
    public var originatorStatusCode: Character
    /// The first eight digits of the ODFI's routing number.
    public var odfiIdentification: String
    public var batchNumber: Int

    public static let debitsOnly = 225

    public init(
        serviceClassCode: Int = NACHABatchHeader.debitsOnly, companyName: String, companyDiscretionaryData: String = "",
        companyIdentification: String, secCode: SECCode, entryDescription: String, companyDescriptiveDate: String = "",
        effectiveEntryDate: CalendarDate, originatorStatusCode: Character = "1", odfiIdentification: String, batchNumber: Int
    ) throws(NACHAError) {
        guard [200, 220, 225].contains(serviceClassCode) else { throw .invalidValue("service class code \(serviceClassCode) is not 200, 220 or 225") }
        guard companyIdentification.utf8.count == 10 else { throw .invalidValue("company identification must be 10 characters") }
        guard !entryDescription.isEmpty, entryDescription.utf8.count <= 10 else { throw .invalidValue("company entry description must be 1-10 characters") }
        guard NACHAField.isDigits(odfiIdentification, count: 8) else { throw .invalidValue("ODFI identification must be 8 digits") }
        guard (1...9_999_999).contains(batchNumber) else { throw .invalidValue("batch number \(batchNumber) is out of range") }
        self.serviceClassCode = serviceClassCode
        self.companyName = companyName
        self.companyDiscretionaryData = companyDiscretionaryData
        self.companyIdentification = companyIdentification
        self.secCode = secCode
        self.entryDescription = entryDescription
        self.companyDescriptiveDate = companyDescriptiveDate
        self.effectiveEntryDate = effectiveEntryDate
        self.originatorStatusCode = originatorStatusCode
        self.odfiIdentification = odfiIdentification
        self.batchNumber = batchNumber
    }

    var record: String {
        "5" + NACHAField.numeric(Int64(serviceClassCode), 3) + NACHAField.alphanumeric(companyName, 16)
            + NACHAField.alphanumeric(companyDiscretionaryData, 20) + NACHAField.alphanumeric(companyIdentification, 10)
            + secCode.rawValue + NACHAField.alphanumeric(entryDescription, 10) + NACHAField.alphanumeric(companyDescriptiveDate, 6)
            + NACHAField.date(effectiveEntryDate)
            + "   " // settlement date: inserted by the ACH operator
            + String(originatorStatusCode) + odfiIdentification + NACHAField.numeric(Int64(batchNumber), 7)
    }

    init(reader: NACHARecordReader) throws(NACHAError) {
        guard let secCode = SECCode(rawValue: reader.text(51, 53)) else {
            throw .malformedRecord(line: reader.lineNumber, "has SEC code '\(reader.text(51, 53))', not PPD, WEB, TEL or CCD")
        }
        try self.init(
            serviceClassCode: Int(try reader.number(2, 4, "service class code")), companyName: reader.trimmed(5, 20),
            companyDiscretionaryData: reader.trimmed(21, 40), companyIdentification: reader.text(41, 50), secCode: secCode,
            entryDescription: reader.trimmed(54, 63), companyDescriptiveDate: reader.trimmed(64, 69),
            effectiveEntryDate: try reader.date(70, "effective entry date"), originatorStatusCode: Character(reader.text(79, 79)),
            odfiIdentification: reader.text(80, 87), batchNumber: Int(try reader.number(88, 94, "batch number"))
        )
    }
}

/// The company entry descriptions CoverPay uses.
public enum NACHAEntryDescription {
    public static let premium = "PREMIUM"
    /// Required by NACHA for a reinitiated entry (after R01/R09, or R08 with a new authorization).
    public static let reinitiated = "RETRY PYMT"
}
