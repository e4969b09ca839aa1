/// A notification of change (COR entry with addenda type 98): the RDFI says a detail of the
/// original entry (account number, routing number, …) must change before the next debit.
public struct NACHANotificationOfChange: Sendable, Hashable {
    public var originalTraceNumber: String
    /// C01 (account number), C02 (routing number), … C13.
    public var changeCode: String
    public var correctedData: String
    public var originalReceivingDFI: String
}

/// What a bank's NACHA return file says: the returns (addenda 99) and the notifications of change
/// (addenda 98), read with every control total of the file checked (`NACHAFile.parse`).
public struct NACHABankFile: Sendable, Hashable {
    public var createdOn: CalendarDate
    public var returns: [NACHAReturn]
    public var notificationsOfChange: [NACHANotificationOfChange]

    public static func parse(_ text: String, fileName: String) throws(BankFileError) -> NACHABankFile {
        do {
            let file = try NACHAFile.parse(text)
            var notifications: [NACHANotificationOfChange] = []
            for case .other(let record) in file.entries.flatMap(\.addenda) where record.dropFirst().hasPrefix("98") {
                let reader = try NACHARecordReader(Substring(record), lineNumber: 0)
                let code = reader.text(4, 6)
                guard code.first == "C", NACHAField.isDigits(String(code.dropFirst()), count: 2) else {
                    throw BankFileError(file: fileName, line: nil, "notification of change has change code '\(code)', not Cnn")
                }
                notifications.append(NACHANotificationOfChange(
                    originalTraceNumber: reader.text(7, 21), changeCode: code, correctedData: reader.trimmed(36, 64),
                    originalReceivingDFI: reader.text(28, 35)
                ))
            }
            return NACHABankFile(createdOn: file.header.creationDate, returns: try NACHAReturnFile.parse(text), notificationsOfChange: notifications)
        } catch let error as NACHAError {
            throw BankFileError(file: fileName, line: error.line, error.description)
        } catch let error as BankFileError {
            throw error
        } catch {
            throw BankFileError(file: fileName, line: nil, "\(error)")
        }
    }
}

extension NACHAError {
    /// The line a record-level fault is on.
    var line: Int? {
        if case .malformedRecord(let line, _) = self { return line }
        return nil
    }
}

/// One debit the RDFI sends back, as the sandbox bank writes it.
public struct NACHAReturnedDebit: Sendable, Hashable {
    public var original: NACHAEntry
    /// The header of the batch the debit came in (company, SEC code).
    public var originalBatch: NACHABatchHeader
    public var returnCode: ACHReturnCode

    public init(original: NACHAEntry, originalBatch: NACHABatchHeader, returnCode: ACHReturnCode) {
        self.original = original
        self.originalBatch = originalBatch
        self.returnCode = returnCode
    }
}

extension NACHAReturnFile {
    /// A return file from the RDFI to the originator (`originalFile` is the header of a file the
    /// originator sent): one batch per company and SEC code, each returned debit as a return entry
    /// (transaction code 26 / 36) whose addenda 99 carries the original trace number; return trace
    /// numbers are the RDFI's identification and a sequence.
    public static func render(
        _ returned: [NACHAReturnedDebit], originalFile: NACHAFileHeader, rdfiIdentification: String, createdOn date: CalendarDate
    ) throws(NACHAError) -> String {
        guard NACHAField.isDigits(rdfiIdentification, count: 8) else { throw .invalidValue("RDFI identification must be 8 digits") }
        let header = try NACHAFileHeader(
            immediateDestination: originalFile.immediateDestination, immediateOrigin: " " + rdfiIdentification + "0",
            creationDate: date, creationTime: "0000", fileIDModifier: "R", destinationName: originalFile.destinationName, originName: "SANDBOX BANK"
        )
        struct Key: Hashable, Comparable {
            var company: String, name: String, sec: String
            static func < (a: Key, b: Key) -> Bool { (a.company, a.name, a.sec) < (b.company, b.name, b.sec) }
        }
        let groups = Dictionary(grouping: returned) { Key(company: $0.originalBatch.companyIdentification, name: $0.originalBatch.companyName, sec: $0.originalBatch.secCode.rawValue) }
        var batches: [NACHABatch] = []
        var sequence = 0
        for (number, key) in groups.keys.sorted().enumerated() {
            let batchHeader = try NACHABatchHeader(
                companyName: key.name, companyIdentification: key.company, secCode: SECCode(rawValue: key.sec)!,
                entryDescription: NACHAEntryDescription.premium, effectiveEntryDate: date, odfiIdentification: rdfiIdentification, batchNumber: number + 1
            )
            var entries: [NACHAEntry] = []
            for debit in groups[key]!.sorted(by: { $0.original.traceNumber < $1.original.traceNumber }) {
                sequence += 1
                let trace = rdfiIdentification + NACHAField.numeric(Int64(sequence), 7)
                let original = debit.original
                entries.append(try NACHAEntry(
                    transactionCode: original.transactionCode - 1, receivingRoutingNumber: original.receivingRoutingNumber,
                    accountNumber: original.accountNumber, amountCents: original.amountCents,
                    individualIdentification: original.individualIdentification, individualName: original.individualName,
                    traceNumber: trace,
                    addenda: [.returnEntry(try NACHAReturnAddenda(
                        returnCode: debit.returnCode, originalTraceNumber: original.traceNumber,
                        originalReceivingDFI: String(original.receivingRoutingNumber.prefix(8)), traceNumber: trace
                    ))]
                ))
            }
            batches.append(NACHABatch(header: batchHeader, entries: entries))
        }
        return NACHAFile(header: header, batches: batches).render()
    }
}
