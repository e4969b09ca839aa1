/// A posted journal entry as the exports and the general-ledger sync read it: its lines carry the
/// account's code and name, exactly one side of each line holds money (as in `ledger.journal_lines`).
public struct LedgerEntry: Sendable, Equatable {
    public let entryID: Int64
    public let postedOn: CalendarDate
    public let memo: String
    public let lines: [LedgerLine]

    public init(entryID: Int64, postedOn: CalendarDate, memo: String, lines: [LedgerLine]) {
        self.entryID = entryID
        self.postedOn = postedOn
        self.memo = memo
        self.lines = lines
    }

    /// The document number the IIF export and the QuickBooks Online sync give the entry, so an
    /// operator finds it in either ledger.
    public var documentNumber: String { "CP-\(entryID)" }
}

public struct LedgerLine: Sendable, Equatable {
    public let accountCode: String
    public let accountName: String
    /// The code of the parent account (`2010` for a carrier payable `2010-C1`), if any.
    public let parentCode: String?
    public let debit: Money
    public let credit: Money

    public init(accountCode: String, accountName: String, parentCode: String? = nil, debit: Money, credit: Money) {
        self.accountCode = accountCode
        self.accountName = accountName
        self.parentCode = parentCode
        self.debit = debit
        self.credit = credit
    }

    /// Debit positive, credit negative: the sign convention of IIF and of a daily net.
    public var signedAmount: Money { debit - credit }
}
