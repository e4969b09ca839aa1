/// State compliance as data (`Schemas/rules/states.json`): a default plus per-state overrides,
/// each rule with its legal citation. Lookups name the rule that answered.
public struct ComplianceRules: Sendable, Hashable {
    let defaults: StateRules
    let states: [String: StateRules]
    let national: NationalRules

    init(defaults: StateRules, states: [String: StateRules], national: NationalRules) {
        self.defaults = defaults
        self.states = states
        self.national = national
    }

    /// Days of notice a nonpayment cancellation needs: the notice's earliest cancellation date is
    /// the notice date plus this many days.
    public func noticeDays(state: String) -> CitedValue<Int> {
        let (scope, rule) = lookup(state, \.nonpaymentNotice)
        return CitedValue(value: rule.days, rule: FiredComplianceRule(name: "\(scope).nonpayment_notice", citation: rule.citation))
    }

    /// Days after an installment's due date before the delinquency notice is requested.
    public func gracePeriodDays(state: String) -> CitedValue<Int> {
        let (scope, rule) = lookup(state, \.gracePeriod)
        return CitedValue(value: rule.days, rule: FiredComplianceRule(name: "\(scope).grace_period", citation: rule.citation))
    }

    /// The fee for an ACH debit returned with `code`: only R01/R09 (`ACHReturnPolicy.returnFeeAllowed`)
    /// and only where the state's `return_fee` rule allows one; a default without the rule allows none.
    public func returnFee(state: String, code: ACHReturnCode) -> CitedValue<Money>? {
        guard ACHReturnPolicy.returnFeeAllowed(for: code) else { return nil }
        let scope = states[state.uppercased()]?.returnFee != nil ? state.uppercased() : "default"
        guard let rule = scope == "default" ? defaults.returnFee : states[scope]?.returnFee, let amount = rule.amount else { return nil }
        return CitedValue(value: amount, rule: FiredComplianceRule(name: "\(scope).return_fee", citation: rule.citation))
    }

    public func premiumTrust(state: String) -> CitedValue<PremiumTrustHandling> {
        let (scope, rule) = lookup(state, \.premiumTrust)
        return CitedValue(value: rule.handling, rule: FiredComplianceRule(name: "\(scope).premium_trust", citation: rule.citation))
    }

    /// The fee allowed on top of `amount` and what must be on file, for one attempt.
    /// - Parameters:
    ///   - secCode: the routed SEC code for an ACH debit (nil for cards).
    ///   - requestedCardFee: the convenience fee the operator would like to add to a card payment.
    public func check(state: String, paymentMethod: PaymentMethod, secCode: SECCode?, amount: Money, requestedCardFee: Money) -> ComplianceCheck {
        switch paymentMethod {
        case .card(let card):
            let (fee, rule) = cardFee(state: state, card: card, amount: amount, requested: requestedCardFee)
            return ComplianceCheck(allowedFee: fee, requiredAuthorization: .none, firedRules: rule.map { [$0] } ?? [])
        case .ach:
            var fired = [FiredComplianceRule(name: "national.ach_authorization", citation: national.achAuthorizationCitation)]
            let needsValidation = secCode == .web
            if needsValidation {
                fired.append(FiredComplianceRule(name: "national.web_account_validation", citation: national.webAccountValidationCitation))
            }
            return ComplianceCheck(
                allowedFee: .zero,
                requiredAuthorization: RequiredAuthorization(authorizationOnFile: true, validatedAccount: needsValidation),
                firedRules: fired
            )
        }
    }

    private func cardFee(state: String, card: CardPaymentMethod, amount: Money, requested: Money) -> (Money, FiredComplianceRule?) {
        guard requested > .zero else { return (.zero, nil) }
        guard card.mayCarrySurcharge else {
            return (.zero, FiredComplianceRule(name: "national.debit_surcharge_ban", citation: national.debitSurchargeBanCitation))
        }
        let (scope, rule) = lookup(state, \.cardSurcharge)
        let fired = FiredComplianceRule(name: "\(scope).card_surcharge", citation: rule.citation)
        guard rule.allowed, let basisPoints = rule.maxBasisPoints else { return (.zero, fired) }
        // Rounded down: a cap must never be exceeded by a rounding cent.
        let cap = Money(cents: amount.cents * Int64(basisPoints) / 10_000)
        return (min(requested, cap), fired)
    }

    private func lookup<Rule>(_ state: String, _ field: KeyPath<StateRules, Rule?>) -> (scope: String, rule: Rule) {
        let code = state.uppercased()
        if let rule = states[code]?[keyPath: field] { return (code, rule) }
        // Every rule of the default is present (checked on load).
        return ("default", defaults[keyPath: field]!)
    }
}

public enum ComplianceRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDocument(String)

    public var description: String {
        switch self {
        case .invalidDocument(let detail): "invalid state compliance rules: \(detail)"
        }
    }
}
