/// A BAI2 cash-management file as CoverPay reads and writes it: groups of accounts, each with
/// summary amounts (03) and transaction details (16). Amounts are cents; the trailers' control
/// totals and record counts are derived, never stored, so a statement that parsed is consistent.
public struct BAI2File: Sendable, Hashable {
    public var sender: String
    public var receiver: String
    public var createdOn: CalendarDate
    /// HHMM.
    public var createdAt: String
    public var fileID: String
    public var groups: [BAI2Group]

    public init(sender: String, receiver: String, createdOn: CalendarDate, createdAt: String = "0000", fileID: String, groups: [BAI2Group]) {
        self.sender = sender
        self.receiver = receiver
        self.createdOn = createdOn
        self.createdAt = createdAt
        self.fileID = fileID
        self.groups = groups
    }

    /// The 99 record's control total: the sum of the groups' totals.
    public var controlTotal: Money { groups.reduce(.zero) { $0 + $1.controlTotal } }
    public var transactions: [BAI2Transaction] { groups.flatMap(\.accounts).flatMap(\.transactions) }
}

/// 02 ... 98: one bank's report for one as-of date.
public struct BAI2Group: Sendable, Hashable {
    public var ultimateReceiver: String
    public var originator: String
    /// 1 update, 2 deletion, 3 correction, 4 test only.
    public var status: Int
    public var asOfDate: CalendarDate
    public var currency: String
    public var accounts: [BAI2Account]

    public init(ultimateReceiver: String, originator: String, status: Int = 1, asOfDate: CalendarDate, currency: String = "USD", accounts: [BAI2Account]) {
        self.ultimateReceiver = ultimateReceiver
        self.originator = originator
        self.status = status
        self.asOfDate = asOfDate
        self.currency = currency
        self.accounts = accounts
    }

    public var controlTotal: Money { accounts.reduce(.zero) { $0 + $1.controlTotal } }
}

/// 03 ... 49: one account.
public struct BAI2Account: Sendable, Hashable {
    public var accountNumber: String
    public var currency: String
    public var summaries: [BAI2Summary]
    public var transactions: [BAI2Transaction]

    public init(accountNumber: String, currency: String = "USD", summaries: [BAI2Summary] = [], transactions: [BAI2Transaction]) {
        self.accountNumber = accountNumber
        self.currency = currency
        self.summaries = summaries
        self.transactions = transactions
    }

    /// The 49 record's control total: every amount of the 03 and 16 records (absent ones count 0).
    public var controlTotal: Money {
        summaries.reduce(.zero) { $0 + ($1.amount ?? .zero) } + transactions.reduce(.zero) { $0 + $1.amount }
    }
}

/// One status or summary amount of an 03 record: type code, amount, item count (the latter two may be blank).
public struct BAI2Summary: Sendable, Hashable {
    public var typeCode: String
    public var amount: Money?
    public var itemCount: Int?

    public init(typeCode: String, amount: Money?, itemCount: Int? = nil) {
        self.typeCode = typeCode
        self.amount = amount
        self.itemCount = itemCount
    }
}

/// A 16 record (with its 88 continuations joined): one credit or debit on the account.
public struct BAI2Transaction: Sendable, Hashable {
    /// 100-399 credits, 400-699 debits (BAI type codes); 165 is a preauthorized ACH credit, 555 a
    /// returned item.
    public var typeCode: String
    public var amount: Money
    public var fundsType: String
    public var bankReference: String
    /// The originator's reference: CoverPay's ACH trace number for a settled debit.
    public var customerReference: String
    public var text: String

    public static let achCreditSettlement = "165"

    public init(typeCode: String, amount: Money, fundsType: String = "Z", bankReference: String, customerReference: String, text: String = "") {
        self.typeCode = typeCode
        self.amount = amount
        self.fundsType = fundsType
        self.bankReference = bankReference
        self.customerReference = customerReference
        self.text = text
    }

    /// Type codes 100-399 are credits.
    public var isCredit: Bool { Int(typeCode).map { (100...399).contains($0) } ?? false }
}
