import Testing
@testable import CoverPayCore

@Suite("Collection: decline classification, ACH returns, sandbox rails")
struct CollectionFailureTests {
    @Test(arguments: [
        // Sandbox names (DESIGN §11).
        (CardDecline(code: "insufficient_funds", brand: .visa), false, "soft_decline"),
        (CardDecline(code: "do_not_honor", brand: .mastercard), false, "soft_decline"),
        (CardDecline(code: "issuer_unavailable", brand: .amex), false, "soft_decline"),
        (CardDecline(code: "stolen_card", brand: .visa), true, "hard_decline_stolen_card"),
        (CardDecline(code: "lost_card", brand: .discover), true, "hard_decline_lost_card"),
        (CardDecline(code: "fraudulent", brand: .mastercard), true, "hard_decline_fraudulent"),
        (CardDecline(code: "closed_account", brand: .visa), true, "hard_decline_closed_account"),
        (CardDecline(code: "INVALID_ACCOUNT", brand: .visa), true, "hard_decline_invalid_account"),
        // Visa category 1: the issuer will never approve.
        (CardDecline(code: "04", brand: .visa), true, "visa_category_1"),
        (CardDecline(code: "12", brand: .visa), true, "visa_category_1"),
        (CardDecline(code: "57", brand: .visa), true, "visa_category_1"),
        (CardDecline(code: "r1", brand: .visa), true, "visa_category_1"),
        // Visa categories 2–4 are retried.
        (CardDecline(code: "51", brand: .visa), false, "soft_decline"),
        (CardDecline(code: "05", brand: .visa), false, "soft_decline"),
        (CardDecline(code: "91", brand: .visa), false, "soft_decline"),
        // 12 and 57 are category 1 only for Visa.
        (CardDecline(code: "57", brand: .mastercard), false, "soft_decline"),
        // Mastercard Merchant Advice Codes 03 and 21 stop retries whatever the response code.
        (CardDecline(code: "51", brand: .mastercard, merchantAdviceCode: "03"), true, "mastercard_merchant_advice_03"),
        (CardDecline(code: "05", brand: .mastercard, merchantAdviceCode: "21"), true, "mastercard_merchant_advice_21"),
        (CardDecline(code: "51", brand: .mastercard, merchantAdviceCode: "02"), false, "soft_decline"),
        (CardDecline(code: "51", brand: .visa, merchantAdviceCode: "03"), false, "soft_decline"),
        // Lost, stolen, fraud, closed or invalid account by response code, any brand.
        (CardDecline(code: "43", brand: .mastercard), true, "hard_response_code_43"),
        (CardDecline(code: "41", brand: .amex), true, "hard_response_code_41"),
        (CardDecline(code: "59", brand: .discover), true, "hard_response_code_59"),
        (CardDecline(code: "14", brand: .mastercard), true, "hard_response_code_14"),
    ])
    func classifiesCardDeclines(decline: CardDecline, hard: Bool, rule: String) {
        let classification = DeclineClassifier.classify(decline)
        #expect(classification.isHard == hard)
        #expect(classification.rule == rule)
        let failure = DeclineClassifier.failure(for: decline)
        #expect(failure.retryable == !hard)
        #expect(failure.code == (hard ? "card_hard_decline" : "card_soft_decline"))
    }

    @Test(arguments: [
        ("R01", ACHReturnPolicy.Rule.reinitiate, true), ("R09", .reinitiate, true),
        ("R02", .never, false), ("R03", .never, false), ("R04", .never, false), ("R07", .never, false),
        ("R10", .never, false), ("R16", .never, false), ("R29", .never, false),
        ("R08", .afterNewAuthorization, false), ("R20", .never, false),
    ])
    func returnCodeRules(code: String, rule: ACHReturnPolicy.Rule, fee: Bool) throws {
        let returnCode = try #require(ACHReturnCode(code))
        #expect(ACHReturnPolicy.rule(for: returnCode) == rule)
        #expect(ACHReturnPolicy.returnFeeAllowed(for: returnCode) == fee)
        #expect(CollectionFailure.achReturned(returnCode).retryable == (rule == .reinitiate))
        #expect(CollectionFailure.achReturned(returnCode).code == "ach_return_\(code)")
    }

    @Test(arguments: ["R1", "R001", "X01", "r01", "R0A", "R00", ""])
    func refusesMalformedReturnCodes(text: String) {
        #expect(ACHReturnCode(text) == nil)
    }

    @Test func reinitiationLimits() throws {
        let r01 = try #require(ACHReturnCode("R01"))
        let settled = CollectionFixtures.date("2026-01-05")
        func decide(_ code: ACHReturnCode, presentments: Int, today: String, newAuthorization: Bool = false) -> ACHReturnPolicy.Decision {
            ACHReturnPolicy.decide(code: code, presentments: presentments, originalSettlement: settled,
                                   today: CollectionFixtures.date(today), newAuthorizationOnFile: newAuthorization)
        }
        #expect(decide(r01, presentments: 1, today: "2026-01-08") == .reinitiate)
        #expect(decide(r01, presentments: 2, today: "2026-01-20") == .reinitiate)
        #expect(decide(r01, presentments: 3, today: "2026-01-25") == ACHReturnPolicy.Decision.refuse(reason: "already presented 3 times; NACHA allows at most 3"))
        #expect(decide(r01, presentments: 1, today: "2026-07-04") == .reinitiate) // day 180
        #expect(decide(r01, presentments: 1, today: "2026-07-05") == ACHReturnPolicy.Decision.refuse(reason: "more than 180 days after the original entry settled"))
        let r08 = try #require(ACHReturnCode("R08"))
        #expect(decide(r08, presentments: 1, today: "2026-01-08") == ACHReturnPolicy.Decision.refuse(reason: "R08 is reinitiated only after a new authorization"))
        #expect(decide(r08, presentments: 1, today: "2026-01-08", newAuthorization: true) == .reinitiate)
        let r02 = try #require(ACHReturnCode("R02"))
        #expect(decide(r02, presentments: 1, today: "2026-01-08", newAuthorization: true) == ACHReturnPolicy.Decision.refuse(reason: "R02 (account closed) is never reinitiated"))
    }

    @Test func returnTimeframes() throws {
        let settled = CollectionFixtures.date("2026-11-25") // Wednesday before Thanksgiving
        let r01 = try #require(ACHReturnCode("R01"))
        #expect(r01.returnTimeframe == .bankingDays(2))
        #expect(r01.returnTimeframe.deadline(afterSettlementOn: settled) == CollectionFixtures.date("2026-11-30"))
        let r10 = try #require(ACHReturnCode("R10"))
        #expect(r10.isUnauthorized)
        #expect(r10.returnTimeframe.deadline(afterSettlementOn: settled) == CollectionFixtures.date("2027-01-24"))
        #expect(try #require(ACHReturnCode("R29")).returnTimeframe == .bankingDays(2))
    }

    @Test(arguments: [
        ("tok_success", 1, SandboxCardOutcome.approved),
        ("tok_anything_else", 1, .approved),
        ("tok_insufficient_funds", 1, .softDecline(code: "insufficient_funds")),
        ("tok_insufficient_funds", 5, .softDecline(code: "insufficient_funds")),
        ("tok_do_not_honor", 2, .softDecline(code: "do_not_honor")),
        ("tok_issuer_unavailable", 1, .softDecline(code: "issuer_unavailable")),
        ("tok_insufficient_funds_once", 1, .softDecline(code: "insufficient_funds")),
        ("tok_insufficient_funds_once", 2, .approved),
        ("tok_do_not_honor_once", 1, .softDecline(code: "do_not_honor")),
        ("tok_do_not_honor_once", 3, .approved),
        ("tok_stolen_card", 1, .hardDecline(code: "stolen_card")),
        ("tok_lost_card", 1, .hardDecline(code: "lost_card")),
        ("tok_fraudulent", 1, .hardDecline(code: "fraudulent")),
        ("tok_closed_account", 1, .hardDecline(code: "closed_account")),
        ("tok_invalid_account", 2, .hardDecline(code: "invalid_account")),
        ("tok_timeout", 1, .timeoutThenApproved),
        ("tok_slow", 1, .slowApproved(delayMilliseconds: 2_000)),
        ("tok_chargeback", 1, .approvedThenChargeback),
    ])
    func sandboxCards(token: String, attempt: Int, expected: SandboxCardOutcome) {
        #expect(SandboxCardBehaviour.outcome(token: token, attempt: attempt) == expected)
    }

    @Test func sandboxDeclinesClassifyAsTheDesignSays() {
        for token in ["tok_insufficient_funds", "tok_do_not_honor", "tok_issuer_unavailable"] {
            guard case .softDecline(let code) = SandboxCardBehaviour.outcome(token: token, attempt: 1) else { Issue.record("\(token)"); continue }
            #expect(!DeclineClassifier.classify(CardDecline(code: code, brand: .visa)).isHard)
        }
        for token in ["tok_stolen_card", "tok_lost_card", "tok_fraudulent", "tok_closed_account", "tok_invalid_account"] {
            guard case .hardDecline(let code) = SandboxCardBehaviour.outcome(token: token, attempt: 1) else { Issue.record("\(token)"); continue }
            #expect(DeclineClassifier.classify(CardDecline(code: code, brand: .mastercard)).isHard)
        }
    }

    @Test(arguments: [
        ("123450001", 1, SandboxBankOutcome.returned(ACHReturnCode("R01")!)),
        ("123450001", 3, .returned(ACHReturnCode("R01")!)),
        ("990007", 2, .returned(ACHReturnCode("R07")!)),
        ("123450101", 1, .returned(ACHReturnCode("R01")!)),
        ("123450101", 2, .settles),
        ("123450109", 1, .returned(ACHReturnCode("R09")!)),
        ("123450210", 1, .lateReturn(ACHReturnCode("R10")!, bankingDaysAfterSettlement: 3)),
        ("123450210", 2, .lateReturn(ACHReturnCode("R10")!, bankingDaysAfterSettlement: 3)),
        ("123450000", 1, .settles),
        ("123456789", 1, .settles),
        ("123450301", 1, .settles),
    ])
    func sandboxBank(account: String, presentment: Int, expected: SandboxBankOutcome) {
        #expect(SandboxBankBehaviour.outcome(accountNumber: account, presentment: presentment) == expected)
    }
}
