/// Money on a policy that pays no entry (yet): a payment for an entry that is no longer Valid, or
/// an external payment (`payment.received`). docs/accounting.md, "Unapplied cash", has the why.
public struct UnappliedCashApplication: Sendable, Hashable {
    public var change = ScheduleChange()
    /// The entries the cash paid, oldest first.
    public var paidEntries: [ScheduleEntry] = []
    /// What is left on the policy as unapplied cash.
    public var remaining: Money
    /// What is owed back to the insured: the rest, once the policy is cancelled and nothing is open.
    public var refund: Money = .zero
}

extension PolicySchedule {
    /// Applies a balance of unapplied cash the way a carrier applies a premium payment:
    /// open entries with something to collect, oldest first (schedule date, then entry number), each
    /// only when the balance pays it in full (a partial payment would leave an installment half
    /// paid, which neither the collector nor the carrier can bill), stopping at the first one it
    /// cannot pay, so installments are never paid out of order. On a cancelled policy with no entry
    /// left to collect, what remains is refunded.
    public mutating func applyUnappliedCash(_ balance: Money) -> UnappliedCashApplication {
        var application = UnappliedCashApplication(remaining: balance)
        let collectable = entries.filter { $0.isOpen && $0.total > .zero }.sorted { ($0.scheduleDate, $0.entryNumber) < ($1.scheduleDate, $1.entryNumber) }
        for entry in collectable {
            guard entry.total <= application.remaining else { break }
            let index = entry.entryNumber - 1
            entries[index].isPaid = true
            application.change.recordUpdate(entry.entryNumber)
            application.paidEntries.append(entries[index])
            application.remaining -= entry.total
        }
        if state == .cancelled, application.remaining > .zero, !entries.contains(where: { $0.isOpen && $0.total > .zero }) {
            application.refund = application.remaining
            application.remaining = .zero
        }
        return application
    }
}
