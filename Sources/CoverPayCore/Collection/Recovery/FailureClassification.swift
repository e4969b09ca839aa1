/// What the retrier may do after one failed or returned attempt, read from the event's
/// `failure_code` (the collector's `CollectionFailure.code`, `ach_return_RNN`, `card_chargeback`).
public enum FailureClassification: Sendable, Hashable {
    /// A soft card decline: retried on the card backoff.
    case cardSoftDecline
    /// An ACH return: `ACHReturnPolicy` decides (R01/R09 reinitiated, R08 after a new
    /// authorization, every other code never).
    case achReturn(ACHReturnCode)
    /// Nothing tried again with this payment method: a hard decline, a chargeback (the cardholder
    /// disputes the charge), or a refusal before any rail (no method, no authorization…). Only a
    /// new payment method (a fresh budget) or an operator starts another attempt.
    case stop(rule: String, why: String)

    /// Nil for a code no table knows, including an ACH return code Nacha does not define: the
    /// event is bad input.
    public init?(failureCode: String) {
        if failureCode == "card_soft_decline" {
            self = .cardSoftDecline
        } else if failureCode == "card_hard_decline" {
            self = .stop(rule: "card_hard_decline", why: "hard decline (stolen, lost, fraud, closed or invalid account, do-not-retry advice): never retried")
        } else if failureCode == "card_chargeback" {
            self = .stop(rule: "card_chargeback", why: "the cardholder disputed the charge: never charged again without a new payment method")
        } else if failureCode.hasPrefix("ach_return_") {
            guard let code = ACHReturnCode(String(failureCode.dropFirst("ach_return_".count))), code.isDefined else { return nil }
            self = .achReturn(code)
        } else if FailureClassification.refusalCodes.contains(failureCode) {
            self = .stop(rule: "refused_\(failureCode)", why: "the collector refused the attempt before any rail; the same payment method would be refused again")
        } else {
            return nil
        }
    }

    /// The collector's refusals (`CollectionFailure`): none is helped by trying the same method again.
    static let refusalCodes: Set<String> = [
        "missing_payment_method", "invalid_payment_method", "invalid_routing_number", "missing_authorization",
        "account_not_validated", "unsupported_currency", "policy_cancelled", "card_refused_for_line", "ach_required",
        "payment_method_refused", "no_route",
    ]
}
