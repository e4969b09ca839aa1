/// One jurisdiction's rules in `Schemas/rules/states.json`. In a state entry every rule is
/// optional and falls back to the default's; in the default every rule is present.
struct StateRules: Sendable, Hashable {
    var nonpaymentNotice: DaysRule?
    var gracePeriod: DaysRule?
    var cardSurcharge: SurchargeRule?
    var premiumTrust: PremiumTrustRule?
    var returnFee: ReturnFeeRule?

    struct DaysRule: Sendable, Hashable {
        var days: Int
        var citation: String
    }

    struct SurchargeRule: Sendable, Hashable {
        var allowed: Bool
        /// Cap as a share of the installment, in basis points (300 = 3%); nil when banned.
        var maxBasisPoints: Int?
        var citation: String
    }

    /// A fee for a returned ACH debit (R01/R09 only); `amount` nil when the state allows none.
    struct ReturnFeeRule: Sendable, Hashable {
        var amount: Money?
        var citation: String
    }

    struct PremiumTrustRule: Sendable, Hashable {
        var handling: PremiumTrustHandling
        var citation: String
    }
}

/// How collected premium is held before it is remitted to the carrier. CoverPay always keeps it
/// in a trust account apart from operating cash (DESIGN §8), which satisfies every state loaded;
/// the per-state rule carries the statute that makes the premium fiduciary money.
public enum PremiumTrustHandling: String, Sendable, Hashable, CaseIterable {
    case segregatedTrustAccount = "segregated_trust_account"
}

/// Rules that apply everywhere (network and NACHA rules), with their sources.
struct NationalRules: Sendable, Hashable {
    var debitSurchargeBanCitation: String
    var achAuthorizationCitation: String
    var webAccountValidationCitation: String
}
