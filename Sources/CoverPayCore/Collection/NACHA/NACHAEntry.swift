/// An entry detail record ("6") and its addenda records ("7").
public struct NACHAEntry: Sendable, Hashable {
    /// 27 checking debit, 37 savings debit; in return files 26 / 36 (returns of those debits).
    public var transactionCode: Int
    /// Nine digits: the receiving DFI's eight-digit identification and the check digit.
    public var receivingRoutingNumber: String
    public var accountNumber: String
    public var amountCents: Int64
    /// 15 characters: the policy number in CoverPay's files.
    public var individualIdentification: String
    public var individualName: String
    /// "R " (recurring) for WEB and TEL payment type codes; blank otherwise.
    public var discretionaryData: String
    /// ODFI identification (8 digits) and a 7-digit sequence number.
    public var traceNumber: String
    public var addenda: [NACHAAddenda]

    public static let checkingDebit = 27
    public static let savingsDebit = 37
    public static let maximumAmountCents: Int64 = 9_999_999_999

    public init(
        transactionCode: Int, receivingRoutingNumber: String, accountNumber: String, amountCents: Int64,
        individualIdentification: String, individualName: String, discretionaryData: String = "",
        traceNumber: String, addenda: [NACHAAddenda] = []
    ) throws(NACHAError) {
        guard (20...99).contains(transactionCode) else { throw .invalidValue("transaction code \(transactionCode) is not two digits") }
        guard NACHAField.isDigits(receivingRoutingNumber, count: 9) else { throw .invalidValue("receiving routing number must be 9 digits") }
        guard !accountNumber.isEmpty, accountNumber.utf8.count <= 17 else { throw .invalidValue("DFI account number must be 1-17 characters") }
        guard (0...NACHAEntry.maximumAmountCents).contains(amountCents) else { throw .invalidValue("amount \(amountCents) cents does not fit 10 digits") }
        guard NACHAField.isDigits(traceNumber, count: 15) else { throw .invalidValue("trace number must be 15 digits") }
        self.transactionCode = transactionCode
        self.receivingRoutingNumber = receivingRoutingNumber
        self.accountNumber = accountNumber
        self.amountCents = amountCents
        self.individualIdentification = individualIdentification
        self.individualName = individualName
        self.discretionaryData = discretionaryData
        self.traceNumber = traceNumber
        self.addenda = addenda
    }

    /// Debit transaction codes end in 6–9 (return, prenote, debit, …), credits in 1–4.
    public var isDebit: Bool { (5...9).contains(transactionCode % 10) }

    /// The eight digits that count towards the entry hash.
    var hashContribution: Int64 { Int64(receivingRoutingNumber.prefix(8))! }

    var records: [String] {
        let detail = "6" + NACHAField.numeric(Int64(transactionCode), 2) + receivingRoutingNumber
            + NACHAField.alphanumeric(accountNumber, 17) + NACHAField.numeric(amountCents, 10)
            + NACHAField.alphanumeric(individualIdentification, 15) + NACHAField.alphanumeric(individualName, 22)
            + NACHAField.alphanumeric(discretionaryData, 2) + (addenda.isEmpty ? "0" : "1") + traceNumber
        return [detail] + addenda.map(\.record)
    }

    init(reader: NACHARecordReader) throws(NACHAError) {
        try self.init(
            transactionCode: Int(try reader.number(2, 3, "transaction code")), receivingRoutingNumber: reader.text(4, 12),
            accountNumber: reader.trimmed(13, 29), amountCents: try reader.number(30, 39, "amount"),
            individualIdentification: reader.trimmed(40, 54), individualName: reader.trimmed(55, 76),
            discretionaryData: reader.trimmed(77, 78), traceNumber: reader.text(80, 94)
        )
    }
}

/// An addenda record ("7"). CoverPay reads return addenda (type 99); any other type is kept verbatim.
public enum NACHAAddenda: Sendable, Hashable {
    case returnEntry(NACHAReturnAddenda)
    case other(record: String)

    var record: String {
        switch self {
        case .returnEntry(let addenda): addenda.record
        case .other(let record): record
        }
    }

    init(reader: NACHARecordReader) throws(NACHAError) {
        if reader.text(2, 3) == "99" {
            self = .returnEntry(try NACHAReturnAddenda(reader: reader))
        } else {
            self = .other(record: reader.text(1, 94))
        }
    }
}

/// Addenda type 99: why the RDFI returned an entry, and the original entry's trace number.
public struct NACHAReturnAddenda: Sendable, Hashable {
    public var returnCode: ACHReturnCode
    public var originalTraceNumber: String
    public var dateOfDeath: CalendarDate?
    public var originalReceivingDFI: String
    public var information: String
    /// Same as the return entry's own trace number.
    public var traceNumber: String

    public init(
        returnCode: ACHReturnCode, originalTraceNumber: String, dateOfDeath: CalendarDate? = nil,
        originalReceivingDFI: String, information: String = "", traceNumber: String
    ) throws(NACHAError) {
        guard NACHAField.isDigits(originalTraceNumber, count: 15), NACHAField.isDigits(traceNumber, count: 15) else {
            throw .invalidValue("trace numbers must be 15 digits")
        }
        guard NACHAField.isDigits(originalReceivingDFI, count: 8) else { throw .invalidValue("original receiving DFI must be 8 digits") }
        self.returnCode = returnCode
        self.originalTraceNumber = originalTraceNumber
        self.dateOfDeath = dateOfDeath
        self.originalReceivingDFI = originalReceivingDFI
        self.information = information
        self.traceNumber = traceNumber
    }

    var record: String {
        "7" + "99" + returnCode.rawValue + originalTraceNumber + (dateOfDeath.map(NACHAField.date) ?? "      ")
            + originalReceivingDFI + NACHAField.alphanumeric(information, 44) + traceNumber
    }

    init(reader: NACHARecordReader) throws(NACHAError) {
        guard let code = ACHReturnCode(reader.text(4, 6)) else {
            throw .malformedRecord(line: reader.lineNumber, "has return reason '\(reader.text(4, 6))', not Rnn")
        }
        let deathText = reader.text(22, 27)
        try self.init(
            returnCode: code, originalTraceNumber: reader.text(7, 21),
            dateOfDeath: deathText.allSatisfy { $0 == " " } ? nil : try reader.date(22, "date of death"),
            originalReceivingDFI: reader.text(28, 35), information: reader.trimmed(36, 79), traceNumber: reader.text(80, 94)
        )
    }
}
