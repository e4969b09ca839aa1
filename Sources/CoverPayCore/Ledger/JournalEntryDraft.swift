/// A journal entry a posting rule wants written: its leg (part of the idempotency key), a memo and
/// its lines. Zero lines are dropped; an entry with nothing left is not posted at all.
public struct JournalEntryDraft: Sendable, Hashable {
    public var rule: String
    public var leg: String
    public var memo: String
    public var lines: [JournalLine]
    /// The posted entry this one reverses (`ledger.journal_entries.reverses_entry_id`).
    public var reversesEntryID: Int64?

    public init(rule: String, leg: String, memo: String, lines: [JournalLine], reversesEntryID: Int64? = nil) {
        self.rule = rule
        self.leg = leg
        self.memo = memo
        self.lines = lines.filter { !($0.debit.isZero && $0.credit.isZero) }
        self.reversesEntryID = reversesEntryID
    }

    public var totalDebit: Money { lines.reduce(.zero) { $0 + $1.debit } }
    public var totalCredit: Money { lines.reduce(.zero) { $0 + $1.credit } }
    public var isBalanced: Bool { lines.count >= 2 && totalDebit == totalCredit }
    public var isEmpty: Bool { lines.isEmpty }

    /// `event id + rule version + leg` (DESIGN §8): a redelivered or duplicated event posts nothing twice.
    public func idempotencyKey(eventID: String) -> String {
        "\(eventID):v\(PostingRules.version):\(leg)"
    }
}

/// An entry already in the journal, as far as a reversal needs it.
public struct PostedEntry: Sendable, Hashable {
    public var entryID: Int64
    public var lines: [JournalLine]

    public init(entryID: Int64, lines: [JournalLine]) {
        self.entryID = entryID
        self.lines = lines
    }

    /// The entry that undoes this one exactly: the same lines, sides swapped.
    public func reversal(rule: String, memo: String) -> JournalEntryDraft {
        JournalEntryDraft(
            rule: rule, leg: "reverse-\(entryID)", memo: memo, lines: lines.map(\.reversed), reversesEntryID: entryID
        )
    }
}
