/// A policy's payment schedule and the rules that change it (DESIGN §4, seed 004): issuance
/// builds the installments, endorsements spread changes over unpaid installments, cancellation
/// and reinstatement consolidate, and payments mark entries paid or unpaid.
///
/// A value type: `apply` either succeeds or throws with the schedule unchanged, so the worker can
/// apply a transaction to a copy inside its database transaction.
public struct PolicySchedule: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case awaitingIssuance = "awaiting_issuance"
        case active
        case cancelled
    }

    public let policyID: String
    public internal(set) var issuance: PolicyIssuance?
    public internal(set) var state: State = .awaitingIssuance
    /// In creation order, so `entries[n - 1].entryNumber == n`.
    public internal(set) var entries: [ScheduleEntry] = []
    /// The `d_k` of the term: the installment dates and the boundaries of daily weights.
    public internal(set) var planDates: [CalendarDate] = []
    /// Every coverage, asset and participant seen, in order of first appearance (the first name
    /// given is kept); `EntryDetail.itemIndex` points here.
    public internal(set) var items: [PolicyItem] = []
    /// Per item (aligned with `items`), the sum of all applied transactions' amounts: what the
    /// Valid entries always add up to.
    public internal(set) var transactionTotals: [ComponentAmounts] = []
    /// Transaction ids applied so far; a repeated one is a no-op.
    public internal(set) var appliedTransactionIDs: [String] = []
    /// The entry the open cancellation created, if it created one.
    var cancellationEntryNumber: Int?

    public init(policyID: String) {
        self.policyID = policyID
    }

    /// Applies one policy transaction. A transaction id applied before changes nothing and
    /// returns a change marked `isDuplicate`.
    @discardableResult
    public mutating func apply(_ transaction: PolicyTransaction) throws(ScheduleError) -> ScheduleChange {
        guard transaction.policyID == policyID else {
            throw ScheduleError(.policyMismatch, "policy_id '\(transaction.policyID)' does not match the schedule's policy '\(policyID)'")
        }
        guard !appliedTransactionIDs.contains(transaction.transactionID) else {
            var change = ScheduleChange()
            change.isDuplicate = true
            return change
        }
        try validate(transaction)

        var change = ScheduleChange()
        let items = register(transaction.items)
        switch transaction.kind {
        case .issuance(let issuance):
            issue(issuance, items: items, change: &change)
        case .endorsement:
            endorse(items, effective: transaction.effectiveDate, change: &change)
        case .cancellation:
            cancel(items, effective: transaction.effectiveDate, change: &change)
        case .reinstatement:
            reinstate(items, effective: transaction.effectiveDate, change: &change)
        }
        appliedTransactionIDs.append(transaction.transactionID)
        return change
    }

    /// Payment succeeded (or a refund entry was paid out). Paying a paid entry is a no-op.
    @discardableResult
    public mutating func markPaid(entryNumber: Int) throws(ScheduleError) -> ScheduleChange {
        let index = try indexOfEntry(entryNumber)
        guard entries[index].status == .valid else {
            throw ScheduleError(.entryNotValid, "entry_number \(entryNumber) is Invalid (consolidated into a later entry) and cannot be paid")
        }
        var change = ScheduleChange()
        if !entries[index].isPaid {
            entries[index].isPaid = true
            change.recordUpdate(entries[index].entryNumber)
        }
        return change
    }

    /// Payment returned or charged back: the entry is owed again. Unpaying an unpaid entry is a no-op.
    @discardableResult
    public mutating func markUnpaid(entryNumber: Int) throws(ScheduleError) -> ScheduleChange {
        let index = try indexOfEntry(entryNumber)
        var change = ScheduleChange()
        if entries[index].isPaid {
            entries[index].isPaid = false
            change.recordUpdate(entries[index].entryNumber)
        }
        return change
    }

    public func entry(number: Int) -> ScheduleEntry? {
        entries.indices.contains(number - 1) ? entries[number - 1] : nil
    }

    /// What the policy bills in all: the sum of the Valid entries.
    public var billableTotal: ComponentAmounts {
        var sum = ComponentAmounts.zero
        for entry in entries where entry.status == .valid { sum += entry.amounts }
        return sum
    }

    private func indexOfEntry(_ entryNumber: Int) throws(ScheduleError) -> Int {
        guard entries.indices.contains(entryNumber - 1) else {
            throw ScheduleError(.unknownEntry, "entry_number \(entryNumber) does not exist in the schedule of policy '\(policyID)' (\(entries.count) entries)")
        }
        return entryNumber - 1
    }
}
