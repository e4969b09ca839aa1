/// One line of a journal entry: an account and one side carrying money (never both, never zero).
public struct JournalLine: Sendable, Hashable {
    public var account: String
    public var debit: Money
    public var credit: Money

    public init(account: String, debit: Money = .zero, credit: Money = .zero) {
        self.account = account
        self.debit = debit
        self.credit = credit
    }

    /// A debit of `amount`; a negative amount becomes a credit of its magnitude (a negative
    /// component, e.g. an endorsement credit inside an installment, lands on the other side).
    public static func debit(_ account: String, _ amount: Money) -> JournalLine {
        amount.isNegative ? JournalLine(account: account, credit: -amount) : JournalLine(account: account, debit: amount)
    }

    /// A credit of `amount`; a negative amount becomes a debit of its magnitude.
    public static func credit(_ account: String, _ amount: Money) -> JournalLine {
        amount.isNegative ? JournalLine(account: account, debit: -amount) : JournalLine(account: account, credit: amount)
    }

    /// The line that undoes this one.
    public var reversed: JournalLine { JournalLine(account: account, debit: credit, credit: debit) }

    /// Debit minus credit.
    public var net: Money { debit - credit }
}
