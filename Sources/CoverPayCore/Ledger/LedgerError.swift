/// Why a posting rule refuses an event; `code` becomes the dead-letter reason.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidField = "invalid_field"
        case invalidCommissionRate = "invalid_commission_rate"
        case unbalancedRule = "unbalanced_rule"
        case splitMismatch = "split_mismatch"
        case settlementMismatch = "settlement_mismatch"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
