/// Why an installment could not be collected, or why an attempt failed. `code` is the stable
/// `failure_code` of `coverpay.payment.failed`; `retryable` tells the retrier whether trying the
/// same payment method again later can succeed without anyone changing anything.
public enum CollectionFailure: Sendable, Hashable, CustomStringConvertible {
    case missingPaymentMethod
    case invalidPaymentMethod(String)
    case invalidRoutingNumber
    case missingAuthorization
    case accountNotValidated
    case unsupportedCurrency(String)
    case policyCancelled
    case cardRefusedForLine
    case achRequired
    case paymentMethodRefused
    case noRoute
    case cardDeclined(code: String, hard: Bool)
    case achReturned(ACHReturnCode)

    /// The failure codes a routing rule may name in a `refuse` action.
    public static let routingRefusalCodes: [String: CollectionFailure] = [
        "card_refused_for_line": .cardRefusedForLine,
        "ach_required": .achRequired,
        "payment_method_refused": .paymentMethodRefused,
    ]

    public var code: String {
        switch self {
        case .missingPaymentMethod: "missing_payment_method"
        case .invalidPaymentMethod: "invalid_payment_method"
        case .invalidRoutingNumber: "invalid_routing_number"
        case .missingAuthorization: "missing_authorization"
        case .accountNotValidated: "account_not_validated"
        case .unsupportedCurrency: "unsupported_currency"
        case .policyCancelled: "policy_cancelled"
        case .cardRefusedForLine: "card_refused_for_line"
        case .achRequired: "ach_required"
        case .paymentMethodRefused: "payment_method_refused"
        case .noRoute: "no_route"
        case .cardDeclined(_, let hard): hard ? "card_hard_decline" : "card_soft_decline"
        case .achReturned(let code): "ach_return_\(code.rawValue)"
        }
    }

    /// Only a soft card decline and an ACH return that NACHA lets us reinitiate (R01/R09) can
    /// succeed on a later attempt unchanged; everything else needs a new payment method, a new
    /// authorization or an operator.
    public var retryable: Bool {
        switch self {
        case .cardDeclined(_, let hard): !hard
        case .achReturned(let code): ACHReturnPolicy.rule(for: code) == .reinitiate
        default: false
        }
    }

    public var message: String {
        switch self {
        case .missingPaymentMethod: "no payment method is on file for the policy"
        case .invalidPaymentMethod(let detail): "the payment method on file is invalid: \(detail)"
        case .invalidRoutingNumber: "the bank routing number fails the ABA checksum"
        case .missingAuthorization: "an ACH debit needs the account holder's authorization on file"
        case .accountNotValidated: "a WEB debit needs a validated bank account (NACHA WEB debit account validation rule)"
        case .unsupportedCurrency(let currency): "currency '\(currency)' is not supported (only USD)"
        case .policyCancelled: "the policy is cancelled; nothing is collected"
        case .cardRefusedForLine: "cards are not accepted for this line of business"
        case .achRequired: "this payment must be made by ACH; a bank account must be put on file"
        case .paymentMethodRefused: "the routing table refuses this payment method"
        case .noRoute: "no routing rule chose a rail and processor"
        case .cardDeclined(let code, let hard): "card declined (\(code)), \(hard ? "hard: never retried" : "soft: may be retried")"
        case .achReturned(let code): "ACH entry returned \(code.rawValue): \(code.reason)"
        }
    }

    public var description: String { "\(code): \(message)" }
}
