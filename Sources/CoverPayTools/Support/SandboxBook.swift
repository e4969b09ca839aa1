import CoverPayCore

/// A book of one-year monthly policies all starting on one date, every third paying by ACH and the
/// others by card, with sandbox tokens and account numbers whose outcomes are known (DESIGN §11):
/// the chaos run's book (mixed outcomes, so the audit can say what each installment should have
/// become) and the billing-day bench's (every charge approved, every debit settling).
public struct SandboxBook: Sendable {
    public let prefix: String
    public let start: CalendarDate
    public let count: Int
    /// Used in turn, by policy index.
    public var cardTokens = ["tok_success", "tok_success", "tok_insufficient_funds_once", "tok_do_not_honor", "tok_stolen_card", "tok_timeout", "tok_chargeback", "tok_slow"]
    /// The sandbox accounts a default book debits (DESIGN §11: settle, return R01 once, R07 late …).
    public static let defaultACHAccounts = ["123456789", "987654321", "5550101", "5550207", "44001234"]
    public var achAccounts = SandboxBook.defaultACHAccounts

    public init(prefix: String, start: CalendarDate, count: Int) {
        self.prefix = prefix
        self.start = start
        self.count = count
    }

    /// Every card approved, every bank account settling.
    public static func approving(prefix: String, start: CalendarDate, count: Int) -> SandboxBook {
        var book = SandboxBook(prefix: prefix, start: start, count: count)
        book.cardTokens = ["tok_success"]
        book.achAccounts = ["123456789"]
        return book
    }

    public func policyID(_ index: Int) -> String { "\(prefix)\(index)" }

    public var issuances: [JSONValue] { (0..<count).map(issuance) }

    private func issuance(_ index: Int) -> JSONValue {
        let policy = policyID(index)
        let end = start.addingMonths(12)
        let method: JSONValue
        if index % 3 == 2 {
            method = .object([
                "type": .string("ach"), "routing_number": .string("011000015"),
                "account_number": .string(achAccounts[index % achAccounts.count]), "account_type": .string("checking"),
                "holder": .string("consumer"), "name": .string("Holder \(index)"),
                "authorization": .object(["id": .string("AUTH-\(policy)"), "method": .string("written"), "at": .string("2020-01-01T00:00:00Z")]),
            ])
        } else {
            method = .object([
                "type": .string("card"), "token": .string(cardTokens[index % cardTokens.count]),
                "brand": .string("visa"), "last4": .string("4242"), "funding": .string("credit"),
            ])
        }
        let data: [String: JSONValue] = [
            "policy_id": .string(policy), "policy_number": .string("PN-\(policy)"), "transaction_id": .string("\(policy)-t1"),
            "sequence": .number("1"), "effective_date": .string(start.description), "state": .string(["CA", "NY", "TX", "FL"][index % 4]),
            "line_of_business": .string("homeowners"), "term": .object(["start": .string(start.description), "end": .string(end.description)]),
            "currency": .string("USD"), "billing": .object(["frequency": .string("monthly"), "calculation_method": .string("modal")]),
            "payment_method": method, "carrier_id": .string("CARRIER-\(1 + index % 2)"), "agency_id": .string("AGENCY-1"),
            "commission_rate": .string("0.12"),
            "items": .array([.object([
                "kind": .string("coverage"), "ref": .string("dwelling"), "name": .string("Dwelling"),
                "premium": .string("\(600 + index * 7 % 900).00"), "fee": .string("12.00"), "tax": .string("18.00"),
            ])]),
        ]
        return .object([
            "specversion": .string("1.0"), "id": .string("\(policy)-issued"), "source": .string("coverpay/book"),
            "type": .string("coverpay.policy.issued"), "subject": .string(policy), "datacontenttype": .string("application/json"),
            "data": .object(data),
        ])
    }
}
