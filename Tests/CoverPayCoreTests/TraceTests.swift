import Testing
@testable import CoverPayCore

@Suite struct TraceTests {
    func step(_ at: String, _ type: String, entry: Int? = nil, id: String? = nil) -> TraceStep {
        TraceStep(at: at, type: type, worker: "w", entryNumber: entry, summary: type, eventID: id)
    }

    @Test func mergesSourcesByTimeKeepingEachSourcesOrderOnTies() {
        let events = [step("2027-01-02T00:00:00.000001Z", "a"), step("2027-01-02T00:00:00.000003Z", "c")]
        let revisions = [step("2027-01-02T00:00:00.000002Z", "b"), step("2027-01-02T00:00:00.000003Z", "d")]
        let trace = PolicyTrace(policyID: "P", sources: [events, revisions])
        #expect(trace.steps.map(\.type) == ["a", "b", "c", "d"])
    }

    @Test func oneEntryKeepsItsStepsAndThePolicyWideConsequences() {
        let steps = [
            step("1", "coverpay.installment.due", entry: 3), step("2", "coverpay.installment.due", entry: 4),
            step("3", "coverpay.delinquency.changed"), step("4", "coverpay.schedule.updated"), step("5", "ledger.journal_entry", entry: 3),
        ]
        let trace = PolicyTrace(policyID: "P", sources: [steps], entry: 3)
        #expect(trace.steps.map(\.at) == ["1", "3", "5"])
    }

    @Test func jsonCarriesTheDesignFields() {
        let json = PolicyTrace(policyID: "P", sources: [[step("1", "x", entry: 2, id: "e1"), step("2", "y")]]).json
        #expect(json["policy_id"] == .string("P"))
        let first = json["steps"]?.arrayValue?.first
        #expect(first?["entry_number"] == .number("2"))
        #expect(first?["event_id"] == .string("e1"))
        #expect(json["steps"]?.arrayValue?.last?["entry_number"] == .null)
        #expect(Set(first?.objectValue?.keys.map { $0 } ?? []) == ["at", "type", "worker", "entry_number", "summary", "event_id"])
    }

    @Test func routedNamesTheRuleThatFired() {
        let data: JSONValue = .object([
            "outcome": .string("routed"), "rail": .string("ach"), "processor": .string("odfi"), "sec_code": .string("PPD"),
            "routing_rules": .array([.string("commercial-ach")]), "compliance_rules": .array([.object(["name": .string("no-surcharge-ca")])]),
            "attempt": .number("1"), "total": .string("250.00"),
        ])
        let summary = EventDigest.summary(type: "coverpay.payment.routed", data: data)
        #expect(summary.contains("commercial-ach"))
        #expect(summary.contains("no-surcharge-ca"))
        #expect(summary.contains("ach/odfi PPD"))
        #expect(summary.contains("$250.00"))
        let refused = EventDigest.summary(type: "coverpay.payment.routed", data: .object([
            "outcome": .string("refused"), "failure_code": .string("card_refused_for_line"), "reason": .string("no cards for workers comp"),
            "routing_rules": .array([.string("no-card-wc")]),
        ]))
        #expect(refused.hasPrefix("refused card_refused_for_line"))
        #expect(refused.contains("no-card-wc"))
    }

    @Test func outcomesSayCodeRetryabilityAndLateness() {
        let failed = EventDigest.summary(type: "coverpay.payment.failed", data: .object([
            "attempt": .number("2"), "failure_code": .string("card_insufficient_funds"), "retryable": .bool(true), "message": .string("soft"),
        ]))
        #expect(failed == "attempt 2 failed: card_insufficient_funds (retryable) soft")
        let returned = EventDigest.summary(type: "coverpay.payment.returned", data: .object([
            "attempt": .number("1"), "failure_code": .string("ach_return_R07"), "return_code": .string("R07"), "late": .bool(true),
            "returned_on": .string("2027-03-08"), "total": .string("99.00"), "retryable": .bool(false),
        ]))
        #expect(returned.contains("returned R07 LATE"))
        #expect(returned.contains("not retryable"))
        #expect(returned.contains("2027-03-08"))
        let retry = EventDigest.summary(type: "coverpay.retry.scheduled", data: .object([
            "next_attempt": .number("2"), "retry_on": .string("2027-03-04"), "rail": .string("card"), "rule": .string("card-soft-backoff"),
            "failure_code": .string("card_do_not_honor"), "budget_used": .number("1"), "budget_limit": .number("15"),
        ]))
        #expect(retry == "retry: attempt 2 by card on 2027-03-04 after card_do_not_honor (rule card-soft-backoff, budget 1/15)")
    }

    @Test func anUnknownTypeStillShowsItsScalarFields() {
        let summary = EventDigest.summary(type: "coverpay.something.new", data: .object([
            "b": .number("2"), "a": .string("x"), "nested": .object([:]), "flag": .bool(false),
        ]))
        #expect(summary == "a=x b=2 flag=false")
        #expect(EventDigest.summary(type: "coverpay.something.new", data: nil) == "")
    }

    @Test func workerAndEntryComeFromSourceAndData() {
        #expect(EventDigest.worker(source: "coverpay/collector") == "collector")
        #expect(EventDigest.worker(source: "tests/upstream") == "tests/upstream")
        #expect(EventDigest.worker(source: nil) == "-")
        #expect(EventDigest.entryNumber(.object(["entry_number": .number("7")])) == 7)
        #expect(EventDigest.entryNumber(.object(["entry_number": .string("8")])) == 8)
        #expect(EventDigest.entryNumber(.object([:])) == nil)
    }

    @Test func journalEntriesListEveryLegAndTheReversal() {
        let summary = EventDigest.journal(
            entryID: "41", rule: "collected", eventType: "coverpay.payment.returned", postedOn: "2027-03-08", memo: "return R07",
            lines: [
                .init(account: "2010", debit: Money(cents: 9_900), credit: .zero),
                .init(account: "1035", debit: .zero, credit: Money(cents: 9_900)),
            ],
            reverses: "12"
        )
        #expect(summary == "journal entry 41 posted 2027-03-08 by collected for coverpay.payment.returned, reverses entry 12: Dr 2010 $99.00, Cr 1035 $99.00 -- return R07")
    }

    @Test func revisionsShowTheEntryAfterTheChange() {
        let summary = EventDigest.revision(cause: "endorsement", entry: .object([
            "entry_number": .number("3"), "transaction": .string("issuance"), "status": .string("Valid"), "is_paid": .bool(false),
            "schedule_date": .string("2027-03-01"), "total": .string("110.00"), "premium": .string("100.00"), "fee": .string("5.00"), "tax": .string("5.00"),
        ]))
        #expect(summary == "entry 3 after endorsement: issuance Valid unpaid, scheduled 2027-03-01, total $110.00 (premium $100.00, fee $5.00, tax $5.00)")
    }
}
