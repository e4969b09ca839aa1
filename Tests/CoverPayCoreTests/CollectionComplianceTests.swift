import Testing
@testable import CoverPayCore

struct FeeCase: Sendable, CustomTestStringConvertible {
    var label: String
    var state: String
    var method: PaymentMethod
    var amount: String
    var requested: String
    var expectedFee: String
    var fired: [String]
    var citationFragment: String?

    var testDescription: String { label }
}

@Suite("Collection: state compliance rules")
struct CollectionComplianceTests {
    static let feeCases: [FeeCase] = [
        FeeCase(label: "CT bans card surcharges", state: "CT", method: CollectionFixtures.card(), amount: "250.00", requested: "5.00",
                expectedFee: "0.00", fired: ["CT.card_surcharge"], citationFragment: "§42-133ff"),
        FeeCase(label: "MA bans card surcharges", state: "MA", method: CollectionFixtures.card(), amount: "250.00", requested: "5.00",
                expectedFee: "0.00", fired: ["MA.card_surcharge"], citationFragment: "ch. 140D §28A"),
        FeeCase(label: "ME bans card surcharges", state: "me", method: CollectionFixtures.card(), amount: "250.00", requested: "5.00",
                expectedFee: "0.00", fired: ["ME.card_surcharge"], citationFragment: "§8-509"),
        FeeCase(label: "OK bans card surcharges", state: "OK", method: CollectionFixtures.card(), amount: "250.00", requested: "5.00",
                expectedFee: "0.00", fired: ["OK.card_surcharge"], citationFragment: "§2-211"),
        FeeCase(label: "CA credit card: requested fee under the 3% cap", state: "CA", method: CollectionFixtures.card(), amount: "250.00",
                requested: "5.00", expectedFee: "5.00", fired: ["default.card_surcharge"], citationFragment: "3%"),
        FeeCase(label: "CA credit card: fee capped at 3%", state: "CA", method: CollectionFixtures.card(), amount: "250.00",
                requested: "10.00", expectedFee: "7.50", fired: ["default.card_surcharge"], citationFragment: nil),
        FeeCase(label: "cap rounds down", state: "TX", method: CollectionFixtures.card(), amount: "33.33",
                requested: "5.00", expectedFee: "0.99", fired: ["default.card_surcharge"], citationFragment: nil),
        FeeCase(label: "never a fee on debit", state: "CA", method: CollectionFixtures.card(funding: .debit), amount: "250.00",
                requested: "5.00", expectedFee: "0.00", fired: ["national.debit_surcharge_ban"], citationFragment: "debit"),
        FeeCase(label: "never a fee on prepaid", state: "CA", method: CollectionFixtures.card(funding: .prepaid), amount: "250.00",
                requested: "5.00", expectedFee: "0.00", fired: ["national.debit_surcharge_ban"], citationFragment: nil),
        FeeCase(label: "unknown funding is treated as debit", state: "CA", method: CollectionFixtures.card(funding: .unknown),
                amount: "250.00", requested: "5.00", expectedFee: "0.00", fired: ["national.debit_surcharge_ban"], citationFragment: nil),
        FeeCase(label: "debit in a banning state: the debit rule answers", state: "CT", method: CollectionFixtures.card(funding: .debit),
                amount: "250.00", requested: "5.00", expectedFee: "0.00", fired: ["national.debit_surcharge_ban"], citationFragment: nil),
        FeeCase(label: "no fee requested, no rule", state: "CA", method: CollectionFixtures.card(), amount: "250.00",
                requested: "0.00", expectedFee: "0.00", fired: [], citationFragment: nil),
        FeeCase(label: "ACH never carries the card fee", state: "CA", method: CollectionFixtures.ach(), amount: "250.00",
                requested: "5.00", expectedFee: "0.00", fired: ["national.ach_authorization"], citationFragment: "§2.3.2"),
    ]

    @Test(arguments: feeCases)
    func cardFees(_ testCase: FeeCase) throws {
        let rules = try CollectionFixtures.complianceRules()
        let check = rules.check(
            state: testCase.state, paymentMethod: testCase.method, secCode: testCase.method.rail == .ach ? .ppd : nil,
            amount: CollectionFixtures.money(testCase.amount), requestedCardFee: CollectionFixtures.money(testCase.requested)
        )
        #expect(check.allowedFee == CollectionFixtures.money(testCase.expectedFee))
        #expect(check.firedRules.map(\.name) == testCase.fired)
        if let fragment = testCase.citationFragment {
            #expect(check.firedRules.first?.citation.contains(fragment) == true, "\(check.firedRules)")
        }
    }

    @Test(arguments: [
        (SECCode.ppd, false, ["national.ach_authorization"]),
        (.tel, false, ["national.ach_authorization"]),
        (.ccd, false, ["national.ach_authorization"]),
        (.web, true, ["national.ach_authorization", "national.web_account_validation"]),
    ])
    func achAuthorizationRequirements(secCode: SECCode, validated: Bool, fired: [String]) throws {
        let check = try CollectionFixtures.complianceRules().check(
            state: "NY", paymentMethod: CollectionFixtures.ach(), secCode: secCode,
            amount: CollectionFixtures.money("100.00"), requestedCardFee: .zero
        )
        #expect(check.requiredAuthorization == RequiredAuthorization(authorizationOnFile: true, validatedAccount: validated))
        #expect(check.firedRules.map(\.name) == fired)
    }

    @Test func cardsNeedNoBankAuthorization() throws {
        let check = try CollectionFixtures.complianceRules().check(
            state: "NY", paymentMethod: CollectionFixtures.card(), secCode: nil, amount: CollectionFixtures.money("1.00"), requestedCardFee: .zero
        )
        #expect(check.requiredAuthorization == .none)
    }

    @Test(arguments: [
        ("CA", 10, "CA.nonpayment_notice", "Cal. Ins. Code §662"),
        ("NY", 15, "NY.nonpayment_notice", "N.Y. Ins. Law §3426"),
        ("ny", 15, "NY.nonpayment_notice", "N.Y. Ins. Law §3426"),
        ("FL", 10, "FL.nonpayment_notice", "Fla. Stat. §627.7281"),
        ("TX", 10, "TX.nonpayment_notice", "Tex. Ins. Code §551.104"),
        ("OH", 10, "default.nonpayment_notice", "CoverPay default"),
    ])
    func noticeDays(state: String, days: Int, rule: String, citation: String) throws {
        let notice = try CollectionFixtures.complianceRules().noticeDays(state: state)
        #expect(notice.value == days)
        #expect(notice.rule.name == rule)
        #expect(notice.rule.citation.hasPrefix(citation))
    }

    @Test func gracePeriodAndPremiumTrustFallBackToTheDefault() throws {
        let rules = try CollectionFixtures.complianceRules()
        #expect(rules.gracePeriodDays(state: "NY").value == 10)
        #expect(rules.gracePeriodDays(state: "NY").rule.name == "default.grace_period")
        #expect(rules.premiumTrust(state: "NY").rule.citation.contains("§2120"))
        #expect(rules.premiumTrust(state: "OH").rule.name == "default.premium_trust")
        #expect(rules.premiumTrust(state: "OH").value == .segregatedTrustAccount)
    }

    @Test func stateOverridesOnlyTheRulesItNames() throws {
        let rules = try ComplianceRules(json: CollectionFixtures.json(#"""
        {"version": 1,
         "national": {"debit_surcharge_ban": {"citation": "d"}, "ach_authorization": {"citation": "a"}, "web_account_validation": {"citation": "w"}},
         "default": {"nonpayment_notice": {"days": 10, "citation": "n"}, "grace_period": {"days": 5, "citation": "g"},
                     "card_surcharge": {"allowed": true, "max_basis_points": 200, "citation": "s"},
                     "premium_trust": {"handling": "segregated_trust_account", "citation": "t"}},
         "states": {"ZZ": {"grace_period": {"days": 30, "citation": "zz grace"}}}}
        """#))
        #expect(rules.gracePeriodDays(state: "ZZ").value == 30)
        #expect(rules.noticeDays(state: "ZZ").rule.name == "default.nonpayment_notice")
        let check = rules.check(state: "ZZ", paymentMethod: CollectionFixtures.card(), secCode: nil,
                                amount: CollectionFixtures.money("100.00"), requestedCardFee: CollectionFixtures.money("9.00"))
        #expect(check.allowedFee == CollectionFixtures.money("2.00"))
    }

    static let national = #""national": {"debit_surcharge_ban": {"citation": "d"}, "ach_authorization": {"citation": "a"}, "web_account_validation": {"citation": "w"}}"#
    static let fullDefault = #""default": {"nonpayment_notice": {"days": 10, "citation": "n"}, "grace_period": {"days": 5, "citation": "g"}, "card_surcharge": {"allowed": true, "max_basis_points": 200, "citation": "s"}, "premium_trust": {"handling": "segregated_trust_account", "citation": "t"}}"#

    @Test(arguments: [
        (#"{"version": 1, \#(national), "default": {"nonpayment_notice": {"days": 10, "citation": "n"}}, "states": {}}"#,
         "default must define nonpayment_notice, grace_period, card_surcharge and premium_trust"),
        (#"{"version": 1, \#(national), \#(fullDefault), "states": {"California": {}}}"#, "state 'California' is not a two-letter upper-case code"),
        (#"{"version": 1, \#(national), \#(fullDefault), "states": {"CT": {"card_surcharge": {"allowed": false, "max_basis_points": 1, "citation": "c"}}}}"#,
         "CT.card_surcharge: a ban has no max_basis_points"),
        (#"{"version": 1, \#(national), \#(fullDefault), "states": {"NY": {"nonpayment_notice": {"days": -1, "citation": "c"}}}}"#,
         "NY.nonpayment_notice.days must not be negative"),
        (#"{"version": 1, \#(national), \#(fullDefault), "states": {"NY": {"nonpayment_notice": {"days": 15}}}}"#,
         "NY.nonpayment_notice.citation must be a non-empty string"),
        (#"{"version": 1, \#(national), \#(fullDefault), "states": {"NY": {"notice_days": 15}}}"#, "NY has unknown key 'notice_days'"),
    ])
    func refusesInvalidDocuments(json: String, message: String) {
        #expect { try ComplianceRules(json: CollectionFixtures.json(json)) } throws: { error in
            "\(error)" == "invalid state compliance rules: \(message)"
        }
    }
}
