/// Why a transaction, payment or preview was refused. `code` is stable for machines (DLQ reasons,
/// CLI exit messages); `message` is for people and names the field and the value.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case invalidDate = "invalid_date"
        case invalidAmount = "invalid_amount"
        case tooManyDecimals = "too_many_decimals"
        case amountOutOfRange = "amount_out_of_range"
        case unsupportedCurrency = "unsupported_currency"
        case invalidTerm = "invalid_term"
        case unknownFrequency = "unknown_frequency"
        case unknownMethod = "unknown_method"
        case unknownItemKind = "unknown_item_kind"
        case duplicateItem = "duplicate_item"
        case missingItems = "missing_items"
        case unknownEventType = "unknown_event_type"
        case effectiveDateOutsideTerm = "effective_date_outside_term"
        case sequence = "sequence"
        case policyMismatch = "policy_mismatch"
        case unknownPolicy = "unknown_policy"
        case alreadyIssued = "already_issued"
        case policyCancelled = "policy_cancelled"
        case notCancelled = "not_cancelled"
        case unknownEntry = "unknown_entry"
        case entryNotValid = "entry_not_valid"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A money error for the field at `path`, keeping the money error's code.
    static func money(_ error: MoneyError, at path: String) -> ScheduleError {
        let code: Code = switch error {
        case .invalidAmount: .invalidAmount
        case .tooManyDecimals: .tooManyDecimals
        case .outOfRange: .amountOutOfRange
        case .unsupportedCurrency: .unsupportedCurrency
        }
        return ScheduleError(code, "\(path): \(error.description)")
    }
}
