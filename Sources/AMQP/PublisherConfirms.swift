/// Bookkeeping for one confirm-mode channel: which publish sequence numbers (the broker's delivery
/// tags, counted from 1 for the channel's life) are still unconfirmed.
struct PublisherConfirms {
    private var nextSequence: UInt64 = 1
    private var outstanding: Set<UInt64> = []
    private(set) var nackedCount = 0
    private(set) var returnedIDs: [String] = []

    var hasOutstanding: Bool { !outstanding.isEmpty }

    mutating func published() {
        outstanding.insert(nextSequence)
        nextSequence += 1
    }

    mutating func confirm(upTo tag: UInt64, multiple: Bool, nacked: Bool) {
        let settled = multiple ? outstanding.filter { $0 <= tag } : outstanding.intersection([tag])
        outstanding.subtract(settled)
        if nacked { nackedCount += settled.count }
    }

    mutating func returned(messageID: String) {
        returnedIDs.append(messageID)
    }

    /// Forgets the outcome of the last wait; the sequence keeps counting, as the broker's delivery tags do.
    mutating func startNewWait() {
        nackedCount = 0
        returnedIDs = []
    }
}
