import CoverPayCore
import Fleet

/// What the scheduler says about entries the retrier knows (`schedule.updated`): an entry marked
/// paid (an external payment applied, an ACH deposit) is paid here too; an entry made Invalid (an
/// endorsement or cancellation replaced it) owes nothing any more; a changed total is what the next
/// retry presents. Pending retries of a paid or invalid entry are cancelled, and the policy is
/// cured when nothing else is in arrears.
struct ScheduleChanges {
    let book: RecoveryBook

    func apply(policyID: String, data: JSONValue) throws {
        var cleared = false
        let entries = Dictionary((data["entries"]?.arrayValue ?? []).compactMap { entry in
            entry["entry_number"]?.intValue.map { ($0, entry) }
        }, uniquingKeysWith: { first, _ in first })
        for installment in try book.lockInstallments(policyID, entryNumbers: entries.keys.sorted()) where !installment.status.isClosed {
            let entryNumber = installment.entryNumber
            guard let entry = entries[entryNumber] else { continue }
            if entry["is_paid"]?.boolValue == true || entry["status"]?.stringValue == "Invalid" {
                let status: InstallmentStatus = entry["is_paid"]?.boolValue == true ? .paid : .invalid
                try book.update(installment, status: status)
                try book.cancelPendingRetries(policyID, entryNumber: entryNumber, reason: status.rawValue)
                cleared = true
            } else if let total = entry["total"]?.stringValue.flatMap({ try? Money(parsing: $0) }), total > .zero, total != installment.amount {
                try book.database.query(
                    """
                    UPDATE retrier.installments SET amount_cents = $3, due_data = jsonb_set(due_data, '{amount}', to_jsonb($4::text))
                    WHERE policy_id = $1 AND entry_number = $2
                    """,
                    [policyID, entryNumber, total.cents, total.description]
                )
            }
        }
        if cleared { try book.cureIfPaid(policyID, by: "schedule") }
    }
}
