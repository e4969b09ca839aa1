import CoverPayCore

/// A NACHA file described without account numbers, stored beside the sealed file for the CLI.
public enum ACHFileSummary {
    static func json(_ file: NACHAFile, payments: [PaymentRecord]) -> JSONValue {
        let paymentByTrace = Dictionary(uniqueKeysWithValues: payments.compactMap { payment in payment.ach.map { ($0.traceNumber, payment) } })
        return .object([
            "entry_hash": .string(String(file.entryHash)), "block_count": .number("\(file.blockCount)"),
            "batches": .array(file.batches.map { batch in
                .object([
                    "batch_number": .number("\(batch.header.batchNumber)"), "sec_code": .string(batch.header.secCode.rawValue),
                    "effective_date": .string(batch.header.effectiveEntryDate.description),
                    "entry_description": .string(batch.header.entryDescription),
                    "total_debit": .string(Money(cents: batch.totalDebitCents).description),
                    "entries": .array(batch.entries.map { entry in
                        let payment = paymentByTrace[entry.traceNumber]
                        return .object([
                            "trace_number": .string(entry.traceNumber), "transaction_code": .number("\(entry.transactionCode)"),
                            "routing_number": .string(entry.receivingRoutingNumber),
                            "account_number": .string("****" + entry.accountNumber.suffix(4)),
                            "amount": .string(Money(cents: entry.amountCents).description), "name": .string(entry.individualName),
                            "individual_id": .string(entry.individualIdentification),
                            "payment_id": payment.map { .string($0.paymentID) } ?? .null,
                            "policy_id": payment.map { .string($0.policyID) } ?? .null,
                        ])
                    }),
                ])
            }),
        ])
    }
}
