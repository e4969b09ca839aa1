/// ISO 4217 currencies the platform bills in. USD only for now: anything else is refused clearly
/// rather than silently billed as dollars.
public enum Currency: String, Sendable, Hashable, Codable, CaseIterable {
    case usd = "USD"

    public init(code: String) throws(MoneyError) {
        guard let currency = Currency(rawValue: code) else { throw .unsupportedCurrency(code) }
        self = currency
    }
}
