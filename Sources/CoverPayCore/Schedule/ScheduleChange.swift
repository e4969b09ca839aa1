/// What one transaction or payment did to a schedule, by entry number (read the entries from the
/// schedule): the worker publishes `schedule.updated` from it and `refund.requested` when
/// `refundOwed` is set.
public struct ScheduleChange: Sendable, Hashable {
    /// New entries, in creation order (always consecutive numbers).
    public internal(set) var createdEntryNumbers: Range<Int> = 0..<0
    /// Existing entries whose status, paid flag or amounts changed, in the order first changed.
    public internal(set) var updatedEntryNumbers: [Int] = []
    /// Owed to the insured: minus the total of a created entry that is negative.
    public internal(set) var refundOwed: Money?
    /// A refund requested earlier that is no longer owed: minus the total of negative unpaid
    /// entries that this change invalidated (consolidated into a new entry).
    public internal(set) var refundWithdrawn: Money?
    /// The transaction id had been applied already, so nothing changed.
    public internal(set) var isDuplicate = false

    public init() {}

    public var isEmpty: Bool { createdEntryNumbers.isEmpty && updatedEntryNumbers.isEmpty }

    mutating func recordCreation(_ entryNumber: Int) {
        createdEntryNumbers = createdEntryNumbers.isEmpty ? entryNumber..<entryNumber + 1 : createdEntryNumbers.lowerBound..<entryNumber + 1
    }

    mutating func recordUpdate(_ entryNumber: Int) {
        if !updatedEntryNumbers.contains(entryNumber) { updatedEntryNumbers.append(entryNumber) }
    }
}

extension PolicySchedule {
    /// The entries a change created, as they are now.
    public func createdEntries(_ change: ScheduleChange) -> [ScheduleEntry] {
        change.createdEntryNumbers.compactMap { entry(number: $0) }
    }

    /// The entries a change updated, as they are now.
    public func updatedEntries(_ change: ScheduleChange) -> [ScheduleEntry] {
        change.updatedEntryNumbers.compactMap { entry(number: $0) }
    }
}
