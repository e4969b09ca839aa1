extension NACHAFile {
    /// A file of debits, one batch per SEC code, effective date and entry description ("PREMIUM",
    /// or "RETRY PYMT" for reinitiations), batches in date / SEC / description order, entries in
    /// ascending trace-number order inside each batch.
    public static func debits(
        _ debits: [NACHADebit], originator: NACHAOriginator, createdOn date: CalendarDate, at time: String, fileIDModifier: Character = "A"
    ) throws(NACHAError) -> NACHAFile {
        let header = try NACHAFileHeader(
            immediateDestination: " " + originator.odfiRoutingNumber.digits,
            immediateOrigin: originator.companyIdentification,
            creationDate: date, creationTime: time, fileIDModifier: fileIDModifier,
            destinationName: originator.odfiName, originName: originator.companyName
        )
        var sequences = Set<Int>()
        for debit in debits {
            guard (1...9_999_999).contains(debit.traceSequence) else { throw .invalidValue("trace sequence \(debit.traceSequence) is not 1...9999999") }
            guard sequences.insert(debit.traceSequence).inserted else { throw .invalidValue("trace sequence \(debit.traceSequence) is used twice") }
            guard debit.amount > .zero else { throw .invalidValue("a debit of \(debit.amount) is not positive") }
            guard debit.individualIdentification.utf8.count <= 15 else {
                throw .invalidValue("individual identification '\(debit.individualIdentification)' is longer than 15 characters")
            }
        }

        struct BatchKey: Hashable, Comparable {
            var effectiveDate: CalendarDate
            var secCode: String
            var description: String
            static func < (a: BatchKey, b: BatchKey) -> Bool {
                (a.effectiveDate, a.secCode, a.description) < (b.effectiveDate, b.secCode, b.description)
            }
        }
        let groups = Dictionary(grouping: debits) { debit in
            BatchKey(
                effectiveDate: debit.effectiveDate, secCode: debit.secCode.rawValue,
                description: debit.isReinitiation ? NACHAEntryDescription.reinitiated : NACHAEntryDescription.premium
            )
        }
        var batches: [NACHABatch] = []
        for (number, key) in groups.keys.sorted().enumerated() {
            let batchHeader = try NACHABatchHeader(
                companyName: originator.companyName, companyIdentification: originator.companyIdentification,
                secCode: SECCode(rawValue: key.secCode)!, entryDescription: key.description, effectiveEntryDate: key.effectiveDate,
                odfiIdentification: originator.odfiRoutingNumber.institutionIdentification, batchNumber: number + 1
            )
            var entries: [NACHAEntry] = []
            for debit in groups[key]!.sorted(by: { $0.traceSequence < $1.traceSequence }) {
                entries.append(try NACHAEntry(
                    transactionCode: debit.account.accountType == .savings ? NACHAEntry.savingsDebit : NACHAEntry.checkingDebit,
                    receivingRoutingNumber: debit.account.routingNumber.digits, accountNumber: debit.account.accountNumber,
                    amountCents: debit.amount.cents, individualIdentification: debit.individualIdentification,
                    individualName: debit.individualName,
                    // WEB and TEL carry a payment type code here; installments are recurring.
                    discretionaryData: debit.secCode == .web || debit.secCode == .tel ? "R" : "",
                    traceNumber: originator.traceNumber(sequence: debit.traceSequence)
                ))
            }
            batches.append(NACHABatch(header: batchHeader, entries: entries))
        }
        return NACHAFile(header: header, batches: batches)
    }
}
