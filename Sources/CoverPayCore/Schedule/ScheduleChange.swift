/// What one transaction or payment did to a schedule: the worker publishes `schedule.updated`
/// from it and `refund.requested` when `refundOwed` is set.
public struct ScheduleChange: Sendable, Hashable {
    /// New entries, in creation order.
    public internal(set) var created: [ScheduleEntry] = []
    /// Existing entries whose status, paid flag or amounts changed, as they are now.
    public internal(set) var updated: [ScheduleEntry] = []
    /// Owed to the insured: minus the total of a created entry that is negative.
    public internal(set) var refundOwed: Money?
    /// A refund requested earlier that is no longer owed: minus the total of negative unpaid
    /// entries that this change invalidated (consolidated into a new entry).
    public internal(set) var refundWithdrawn: Money?
    /// The transaction id had been applied already, so nothing changed.
    public internal(set) var isDuplicate = false

    public init() {}

    public var isEmpty: Bool { created.isEmpty && updated.isEmpty }

    mutating func recordUpdate(_ entry: ScheduleEntry) {
        if let index = updated.firstIndex(where: { $0.entryNumber == entry.entryNumber }) {
            updated[index] = entry
        } else {
            updated.append(entry)
        }
    }
}
