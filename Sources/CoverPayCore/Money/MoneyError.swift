/// Why a money amount or currency was refused; `code` is stable for machines, `description` names the value.
public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAmount(String)
    case tooManyDecimals(String)
    case outOfRange(String)
    case unsupportedCurrency(String)

    public var code: String {
        switch self {
        case .invalidAmount: "invalid_amount"
        case .tooManyDecimals: "too_many_decimals"
        case .outOfRange: "amount_out_of_range"
        case .unsupportedCurrency: "unsupported_currency"
        }
    }

    public var description: String {
        switch self {
        case .invalidAmount(let text): "'\(text)' is not a decimal amount like \"1234.50\""
        case .tooManyDecimals(let text): "'\(text)' has more than two decimal places"
        case .outOfRange(let text): "'\(text)' exceeds the largest supported amount (9999999999999.99)"
        case .unsupportedCurrency(let code): "currency '\(code)' is not supported (only USD)"
        }
    }
}
