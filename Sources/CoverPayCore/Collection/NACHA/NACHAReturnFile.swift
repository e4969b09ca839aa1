/// One returned entry from a bank's NACHA return file.
public struct NACHAReturn: Sendable, Hashable {
    /// The trace number of the debit CoverPay sent: the key the reconciler matches on.
    public var originalTraceNumber: String
    public var returnCode: ACHReturnCode
    public var amount: Money
    /// The RDFI's trace number of the return entry itself.
    public var returnTraceNumber: String
    public var transactionCode: Int
    public var effectiveEntryDate: CalendarDate
    public var originalReceivingDFI: String
    public var accountLast4: String
    /// R14 / R15: the receiver's date of death.
    public var dateOfDeath: CalendarDate?
    /// The RDFI's addenda information (positions 36-79 of the addenda 99).
    public var addendaInformation: String
}

/// A NACHA return file: entries carrying addenda type 99 with an R code.
public enum NACHAReturnFile {
    public static func parse(_ text: String) throws(NACHAError) -> [NACHAReturn] {
        let file = try NACHAFile.parse(text)
        var returns: [NACHAReturn] = []
        for batch in file.batches {
            for entry in batch.entries {
                for case .returnEntry(let addenda) in entry.addenda {
                    returns.append(NACHAReturn(
                        originalTraceNumber: addenda.originalTraceNumber, returnCode: addenda.returnCode,
                        amount: Money(cents: entry.amountCents), returnTraceNumber: entry.traceNumber,
                        transactionCode: entry.transactionCode, effectiveEntryDate: batch.header.effectiveEntryDate,
                        originalReceivingDFI: addenda.originalReceivingDFI, accountLast4: String(entry.accountNumber.suffix(4)),
                        dateOfDeath: addenda.dateOfDeath, addendaInformation: addenda.information
                    ))
                }
            }
        }
        return returns
    }
}
