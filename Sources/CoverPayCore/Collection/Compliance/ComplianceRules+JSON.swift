/// `Schemas/rules/states.json`:
/// `{"version": 1, "national": {debit_surcharge_ban, ach_authorization, web_account_validation},
///   "default": {nonpayment_notice, grace_period, card_surcharge, premium_trust, return_fee?},
///   "states": {"CA": {any of the default's rules}, …}}`; every rule carries a `citation`.
extension ComplianceRules {
    public init(json: JSONValue) throws(ComplianceRulesError) {
        do throws(RuleDataError) {
            let document = try RuleObject(json, path: "states.json", allowedKeys: ["version", "description", "national", "default", "states"])
            guard try document.int("version") == 1 else { throw RuleDataError("only version 1 is supported") }
            let defaults = try StateRules(json: document.members["default"], scope: "default")
            guard defaults.nonpaymentNotice != nil, defaults.gracePeriod != nil, defaults.cardSurcharge != nil, defaults.premiumTrust != nil else {
                throw RuleDataError("default must define nonpayment_notice, grace_period, card_surcharge and premium_trust")
            }
            guard let statesJSON = document.members["states"]?.objectValue else { throw RuleDataError("states must be an object") }
            var states: [String: StateRules] = [:]
            for (code, stateJSON) in statesJSON {
                guard code.utf8.count == 2, code == code.uppercased() else { throw RuleDataError("state '\(code)' is not a two-letter upper-case code") }
                states[code] = try StateRules(json: stateJSON, scope: code)
            }
            let national = try RuleObject(document.members["national"], path: "national", allowedKeys: [
                "debit_surcharge_ban", "ach_authorization", "web_account_validation",
            ])
            func citation(_ key: String) throws(RuleDataError) -> String {
                try RuleObject(national.members[key], path: "national.\(key)", allowedKeys: ["citation"]).string("citation")
            }
            self.init(defaults: defaults, states: states, national: NationalRules(
                debitSurchargeBanCitation: try citation("debit_surcharge_ban"),
                achAuthorizationCitation: try citation("ach_authorization"),
                webAccountValidationCitation: try citation("web_account_validation")
            ))
        } catch {
            throw .invalidDocument(error.message)
        }
    }
}

extension StateRules {
    init(json: JSONValue?, scope: String) throws(RuleDataError) {
        let rules = try RuleObject(json, path: scope, allowedKeys: ["nonpayment_notice", "grace_period", "card_surcharge", "premium_trust", "return_fee"])
        func object(_ key: String, _ allowed: Set<String>) throws(RuleDataError) -> RuleObject? {
            try rules.members[key].map { json throws(RuleDataError) in try RuleObject(json, path: "\(scope).\(key)", allowedKeys: allowed.union(["citation"])) }
        }
        func days(_ key: String) throws(RuleDataError) -> DaysRule? {
            guard let rule = try object(key, ["days"]) else { return nil }
            let days = try rule.int("days")
            guard days >= 0 else { throw RuleDataError("\(scope).\(key).days must not be negative") }
            return DaysRule(days: days, citation: try rule.string("citation"))
        }
        nonpaymentNotice = try days("nonpayment_notice")
        gracePeriod = try days("grace_period")
        cardSurcharge = try object("card_surcharge", ["allowed", "max_basis_points"]).map { rule throws(RuleDataError) in
            let allowed = try rule.bool("allowed")
            let cap: Int? = allowed ? try rule.int("max_basis_points") : nil
            if let cap, !(0...10_000).contains(cap) { throw RuleDataError("\(scope).card_surcharge.max_basis_points must be 0...10000") }
            if !allowed, rule.has("max_basis_points") { throw RuleDataError("\(scope).card_surcharge: a ban has no max_basis_points") }
            return SurchargeRule(allowed: allowed, maxBasisPoints: cap, citation: try rule.string("citation"))
        }
        returnFee = try object("return_fee", ["allowed", "amount"]).map { rule throws(RuleDataError) in
            let allowed = try rule.bool("allowed")
            guard allowed == rule.has("amount") else { throw RuleDataError("\(scope).return_fee: an allowed fee has an amount, a ban has none") }
            var amount: Money?
            if allowed {
                guard let parsed = try? Money(parsing: rule.string("amount")), parsed > .zero else {
                    throw RuleDataError("\(scope).return_fee.amount must be a positive decimal string")
                }
                amount = parsed
            }
            return ReturnFeeRule(amount: amount, citation: try rule.string("citation"))
        }
        premiumTrust = try object("premium_trust", ["handling"]).map { rule throws(RuleDataError) in
            let text = try rule.string("handling")
            guard let handling = PremiumTrustHandling(rawValue: text) else { throw RuleDataError("\(scope).premium_trust.handling '\(text)' is unknown") }
            return PremiumTrustRule(handling: handling, citation: try rule.string("citation"))
        }
    }
}
