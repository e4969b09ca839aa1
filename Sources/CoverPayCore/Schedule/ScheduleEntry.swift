/// One installment (or consolidation) of a policy's payment schedule. Its amounts are the sums of
/// its details, one per item, so every total is exact by construction.
public struct ScheduleEntry: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Counts toward what the insured owes (or is owed).
        case valid = "Valid"
        /// Consolidated into a later entry; kept for history, never collected.
        case invalid = "Invalid"
    }

    /// 1, 2, … per policy in order of creation.
    public let entryNumber: Int
    public let scheduleDate: CalendarDate
    public let transaction: TransactionKind
    public internal(set) var status: Status
    public internal(set) var isPaid: Bool
    public internal(set) var details: [EntryDetail]

    public init(
        entryNumber: Int, scheduleDate: CalendarDate, transaction: TransactionKind,
        status: Status = .valid, isPaid: Bool = false, details: [EntryDetail]
    ) {
        self.entryNumber = entryNumber
        self.scheduleDate = scheduleDate
        self.transaction = transaction
        self.status = status
        self.isPaid = isPaid
        self.details = details
    }

    public var amounts: ComponentAmounts {
        var sum = ComponentAmounts.zero
        for detail in details { sum += detail.amounts }
        return sum
    }

    public var total: Money { amounts.total }

    /// Collectable (or refundable): Valid and not yet paid.
    public var isOpen: Bool { status == .valid && !isPaid }

    /// The entry's display name; a reinstatement entry is "Reinstatement by payment schedule".
    public var name: String {
        switch transaction {
        case .issuance: "Installment"
        case .endorsement: "Endorsement"
        case .cancellation: "Cancellation"
        case .reinstatement: "Reinstatement by payment schedule"
        }
    }

    /// The detail of the item at `itemIndex` of `PolicySchedule.items`, if the entry carries one.
    public func detail(forItem itemIndex: Int) -> EntryDetail? {
        details.first { $0.itemIndex == itemIndex }
    }

    /// Adds `amounts` to the item's detail, creating the detail if the entry has none for it.
    mutating func add(_ amounts: ComponentAmounts, forItem itemIndex: Int) {
        if let index = details.firstIndex(where: { $0.itemIndex == itemIndex }) {
            details[index].amounts += amounts
        } else {
            details.append(EntryDetail(itemIndex: itemIndex, amounts: amounts))
        }
    }
}

/// An entry's share for one coverage, asset or participant. The item is an index into
/// `PolicySchedule.items` rather than a copy, so that entries stay small and cheap to build.
public struct EntryDetail: Sendable, Hashable, Codable {
    public let itemIndex: Int
    public internal(set) var amounts: ComponentAmounts

    public init(itemIndex: Int, amounts: ComponentAmounts) {
        self.itemIndex = itemIndex
        self.amounts = amounts
    }
}
