import Testing
@testable import CoverPayCore

/// The retrier's tables: every Nacha return code and every sandbox decline code mapped to a
/// decision, the retry planner, delinquency transitions and return fees.
@Suite("Recovery: classification tables, retry planner, delinquency, return fees")
struct RecoveryTableTests {
    static let allDefinedCodes: [String] =
        (1...53).filter { !(48...49).contains($0) } .map { String(format: "R%02d", $0) }
        + ["R61", "R62", "R67", "R68", "R69", "R70", "R71", "R72", "R73", "R74", "R75", "R76", "R77",
           "R80", "R81", "R82", "R83", "R84", "R85"]

    @Test func everyNachaCodeIsDefinedAndCategorisedOnce() throws {
        #expect(ACHReturnCode.defined.map(\.rawValue) == Self.allDefinedCodes)
        let categorised = ACHReturnCategory.members.values.flatMap { $0 }
        #expect(categorised.count == Set(categorised).count, "a code in two categories")
        #expect(Set(categorised) == Set(Self.allDefinedCodes))
        for code in ACHReturnCode.defined {
            #expect(!code.reason.hasPrefix("return reason"), "\(code) has no description")
        }
    }

    @Test(arguments: ["R00", "R48", "R49", "R54", "R60", "R63", "R66", "R78", "R79", "R86", "R99"])
    func undefinedCodesAreBadInput(text: String) {
        #expect(ACHReturnCode(text)?.isDefined != true)
        #expect(FailureClassification(failureCode: "ach_return_\(text)") == nil)
    }

    @Test(arguments: [
        ("R01", ACHReturnCategory.insufficientFunds), ("R09", .insufficientFunds), ("R08", .stoppedPayment),
        ("R02", .accountUnusable), ("R03", .accountUnusable), ("R04", .accountUnusable), ("R16", .accountUnusable),
        ("R07", .unauthorized), ("R10", .unauthorized), ("R29", .unauthorized), ("R05", .unauthorized), ("R11", .unauthorized),
        ("R06", .entryError), ("R24", .entryError), ("R23", .notApplicable), ("R85", .notApplicable),
    ])
    func returnCodeDecisions(code: String, category: ACHReturnCategory) throws {
        let returnCode = try #require(ACHReturnCode(code))
        #expect(ACHReturnCategory.of(returnCode) == category)
        let plan = RetryPlanner.plan(.achReturn(returnCode), Self.achState(failedAttempt: 1))
        switch category.rule {
        case .reinitiate:
            #expect(plan == .retry(nextAttempt: 2, on: CollectionFixtures.date("2099-02-04"), rule: "ach_reinitiation_\(code)", budgetUsed: 1, budgetLimit: 3))
        case .afterNewAuthorization:
            #expect(plan == .stop(rule: "ach_reinitiation_limit_R08", reason: "R08 is reinitiated only after a new authorization"))
        case .never:
            guard case .stop(let rule, let reason) = plan else { Issue.record("\(code) retried"); return }
            #expect(rule == "ach_\(category.rawValue)_\(code)")
            #expect(reason.contains(category.why))
        }
    }

    @Test(arguments: [
        ("card_soft_decline", true), ("card_hard_decline", false), ("card_chargeback", false), ("missing_payment_method", false),
        ("policy_cancelled", false), ("no_route", false), ("ach_return_R01", true), ("ach_return_R07", false),
    ])
    func failureCodes(code: String, retried: Bool) throws {
        let classification = try #require(FailureClassification(failureCode: code))
        let state = code.hasPrefix("ach") ? Self.achState(failedAttempt: 1) : Self.cardState(failedAttempt: 1)
        guard case .retry = RetryPlanner.plan(classification, state) else { #expect(!retried, "\(code)"); return }
        #expect(retried, "\(code)")
    }

    @Test(arguments: ["card_declined", "", "ach_return_", "ach_return_R1", "totally_unknown"])
    func unknownFailureCodes(code: String) {
        #expect(FailureClassification(failureCode: code) == nil)
    }

    /// Every decline code the sandbox processor emits (DESIGN §11), through the collector's
    /// classifier and the retrier's table.
    @Test(arguments: [
        ("tok_insufficient_funds", true), ("tok_do_not_honor", true), ("tok_issuer_unavailable", true),
        ("tok_stolen_card", false), ("tok_lost_card", false), ("tok_fraudulent", false), ("tok_closed_account", false), ("tok_invalid_account", false),
    ])
    func sandboxDeclines(token: String, retried: Bool) throws {
        let code: String
        switch SandboxCardBehaviour.outcome(token: token, attempt: 1) {
        case .softDecline(let name), .hardDecline(let name): code = name
        default: Issue.record("\(token) is not a decline"); return
        }
        let failure = DeclineClassifier.failure(for: CardDecline(code: code, brand: .visa))
        let plan = RetryPlanner.plan(try #require(FailureClassification(failureCode: failure.code)), Self.cardState(failedAttempt: 1))
        if retried {
            #expect(plan == .retry(nextAttempt: 2, on: CollectionFixtures.date("2099-02-03"), rule: "card_soft_decline_backoff", budgetUsed: 1, budgetLimit: 15))
        } else {
            #expect(plan == .stop(rule: "card_hard_decline", reason: "hard decline (stolen, lost, fraud, closed or invalid account, do-not-retry advice): never retried"))
        }
    }

    @Test func cardBackoffIsOneThreeFiveDaysWithinThirty() {
        // Failures on the planned dates: 02-02 (+1) 02-03 (+3) 02-06 (+5) 02-11 (+7) 02-18 (+9) 02-27, then 03-10 > 30 days.
        var failedOn = CollectionFixtures.date("2099-02-02")
        var dates: [String] = []
        for attempt in 1... {
            var state = Self.cardState(failedAttempt: attempt)
            state.failedOn = failedOn
            guard case .retry(_, let on, _, _, _) = RetryPlanner.plan(.cardSoftDecline, state) else {
                #expect(RetryPlanner.plan(.cardSoftDecline, state) == .stop(
                    rule: "card_window", reason: "the next retry (2099-03-10) would fall more than 30 days after the first attempt (2099-02-02)"))
                break
            }
            dates.append(on.description)
            failedOn = on
        }
        #expect(dates == ["2099-02-03", "2099-02-06", "2099-02-11", "2099-02-18", "2099-02-27"])
    }

    @Test func achReinitiatesTwiceThenStops() {
        #expect(RetryPlanner.plan(.achReturn(ACHReturnCode("R01")!), Self.achState(failedAttempt: 2)) ==
            .retry(nextAttempt: 3, on: CollectionFixtures.date("2099-02-04"), rule: "ach_reinitiation_R01", budgetUsed: 2, budgetLimit: 3))
        #expect(RetryPlanner.plan(.achReturn(ACHReturnCode("R09")!), Self.achState(failedAttempt: 3)) ==
            .stop(rule: "ach_reinitiation_limit_R09", reason: "already presented 3 times; NACHA allows at most 3"))
        var late = Self.achState(failedAttempt: 1)
        late.failedOn = CollectionFixtures.date("2099-08-01")
        #expect(RetryPlanner.plan(.achReturn(ACHReturnCode("R01")!), late) ==
            .stop(rule: "ach_reinitiation_limit_R01", reason: "more than 180 days after the original entry settled"))
        // A new payment method (budget from attempt 4) gives three more presentments.
        var fresh = Self.achState(failedAttempt: 4)
        fresh.budgetStartAttempt = 4
        #expect(RetryPlanner.plan(.achReturn(ACHReturnCode("R01")!), fresh) ==
            .retry(nextAttempt: 5, on: CollectionFixtures.date("2099-02-04"), rule: "ach_reinitiation_R01", budgetUsed: 1, budgetLimit: 3))
    }

    @Test(arguments: [("CA", 10, 10), ("NY", 15, 10), ("FL", 10, 10), ("TX", 10, 10), ("OH", 10, 10)])
    func delinquencyCalendar(state: String, noticeDays: Int, graceDays: Int) throws {
        let rules = try CollectionFixtures.complianceRules()
        let start = CollectionFixtures.date("2099-03-01")
        let pastDue = try #require(DelinquencyRules.retriesStopped(Delinquency(), on: start))
        #expect(pastDue.to.stage == .pastDue)
        #expect(DelinquencyRules.advance(pastDue.to, today: start.adding(days: graceDays - 1), state: state, rules: rules) == nil)
        let noticeOn = start.adding(days: graceDays)
        let notice = try #require(DelinquencyRules.advance(pastDue.to, today: noticeOn, state: state, rules: rules))
        #expect(notice.to.stage == .noticeSent)
        #expect(notice.to.noticeRequestedOn == noticeOn)
        #expect(notice.to.earliestCancellationDate == noticeOn.adding(days: noticeDays))
        #expect(notice.noticeRule?.value == noticeDays)
        #expect(DelinquencyRules.advance(notice.to, today: noticeOn.adding(days: noticeDays - 1), state: state, rules: rules) == nil)
        let cancellation = try #require(DelinquencyRules.advance(notice.to, today: noticeOn.adding(days: noticeDays), state: state, rules: rules))
        #expect(cancellation.to.stage == .cancellationRequested)
        #expect(DelinquencyRules.cure(cancellation.to, on: noticeOn)?.to == Delinquency())
        let cancelled = try #require(DelinquencyRules.cancelled(cancellation.to, on: noticeOn))
        #expect(DelinquencyRules.cure(cancelled.to, on: noticeOn) == nil, "a cancelled policy is not cured")
        #expect(DelinquencyRules.retriesStopped(notice.to, on: noticeOn) == nil, "a later failure does not restart the calendar")
    }

    @Test(arguments: [
        ("CA", "R01", "25.00"), ("NY", "R09", "20.00"), ("TX", "R01", "30.00"), ("FL", "R01", nil), ("OH", "R01", nil),
        ("CA", "R02", nil), ("CA", "R07", nil), ("NY", "R08", nil),
    ] as [(String, String, String?)])
    func returnFees(state: String, code: String, amount: String?) throws {
        let fee = try CollectionFixtures.complianceRules().returnFee(state: state, code: try #require(ACHReturnCode(code)))
        #expect(fee?.value.description == amount)
        if let fee { #expect(fee.rule.name == "\(state).return_fee" && !fee.rule.citation.isEmpty) }
    }

    @Test func returnFeeRulesAreValidated() {
        let bad = CollectionFixtures.json(#"""
        {"version": 1, "national": {"debit_surcharge_ban": {"citation": "x"}, "ach_authorization": {"citation": "x"}, "web_account_validation": {"citation": "x"}},
         "default": {"nonpayment_notice": {"days": 10, "citation": "x"}, "grace_period": {"days": 10, "citation": "x"},
                     "card_surcharge": {"allowed": false, "citation": "x"}, "premium_trust": {"handling": "segregated_trust_account", "citation": "x"},
                     "return_fee": {"allowed": true, "citation": "x"}}, "states": {}}
        """#)
        #expect(throws: ComplianceRulesError.self) { try ComplianceRules(json: bad) }
    }

    static func cardState(failedAttempt: Int) -> RetryState {
        RetryState(failedAttempt: failedAttempt, rail: .card, budgetStartAttempt: 1, budgetStartedOn: CollectionFixtures.date("2099-02-02"),
                   originalSettlement: nil, failedOn: CollectionFixtures.date("2099-02-02"))
    }

    static func achState(failedAttempt: Int) -> RetryState {
        RetryState(failedAttempt: failedAttempt, rail: .ach, budgetStartAttempt: 1, budgetStartedOn: CollectionFixtures.date("2099-02-02"),
                   originalSettlement: CollectionFixtures.date("2099-02-02"), failedOn: CollectionFixtures.date("2099-02-03"))
    }
}
