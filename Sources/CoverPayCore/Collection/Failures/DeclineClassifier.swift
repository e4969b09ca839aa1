/// Hard declines are never retried (DESIGN §6): stolen, lost, fraud, closed or invalid account,
/// Visa category 1 ("issuer will never approve") and Mastercard Merchant Advice Codes 03 ("do not
/// try again") and 21 ("payment cancellation"). Everything else is soft: retried on a backoff,
/// within Visa's and Mastercard's limit of 15 reattempts in 30 days.
public enum DeclineClassifier {
    /// Sandbox names and their plain-language equivalents (DESIGN §11).
    static let hardNames: Set<String> = [
        "stolen_card", "lost_card", "fraudulent", "closed_account", "invalid_account",
        "stolen", "lost", "fraud", "pick_up_card", "account_closed", "invalid_account_number",
    ]

    /// ISO 8583 codes meaning stolen, lost, fraud, closed or invalid account for any brand.
    static let hardResponseCodes: Set<String> = ["04", "07", "14", "15", "41", "43", "46", "59"]

    /// Visa's category 1 reason codes (Visa excessive reattempts rules): the issuer will never approve.
    static let visaCategory1: Set<String> = ["04", "07", "12", "14", "15", "41", "43", "46", "57", "R0", "R1", "R3"]

    static let mastercardNeverRetryAdvice: Set<String> = ["03", "21"]

    public static func classify(_ decline: CardDecline) -> DeclineClassification {
        let code = decline.code.lowercased()
        if hardNames.contains(code) {
            return DeclineClassification(isHard: true, rule: "hard_decline_\(code)")
        }
        if decline.brand == .visa, visaCategory1.contains(decline.code.uppercased()) {
            return DeclineClassification(isHard: true, rule: "visa_category_1")
        }
        if decline.brand == .mastercard, let advice = decline.merchantAdviceCode, mastercardNeverRetryAdvice.contains(advice) {
            return DeclineClassification(isHard: true, rule: "mastercard_merchant_advice_\(advice)")
        }
        if hardResponseCodes.contains(code) {
            return DeclineClassification(isHard: true, rule: "hard_response_code_\(code)")
        }
        return DeclineClassification(isHard: false, rule: "soft_decline")
    }

    /// The collection failure for a decline, keeping the processor's code.
    public static func failure(for decline: CardDecline) -> CollectionFailure {
        .cardDeclined(code: decline.code, hard: classify(decline).isHard)
    }
}
