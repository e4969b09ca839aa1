import CoverPayCore
import Foundation
import Testing

/// `coverpay trace` against live workers: a card installment from its schedule to its payment,
/// journal entries, dead letters and the operator actions on them.
@Suite("Trace", .serialized)
struct TraceTests {
    init() throws { try LiveServices.isolate() }

    static func trace(_ arguments: [String]) throws -> JSONValue {
        let result = try LiveServices.coverpay(["trace"] + arguments + ["--json"])
        guard result.status == 0 else { throw FleetTestError("coverpay trace failed: \(result.stderr)") }
        return try JSONValue.parse(Array(result.stdout.utf8))
    }

    static func steps(_ trace: JSONValue) -> [JSONValue] { trace["steps"]?.arrayValue ?? [] }

    @Test("a card installment traced from its schedule to payment.succeeded, a journal entry, and --entry")
    func cardInstallment() async throws {
        let scheduler = try WorkerProcess("scheduler")
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await scheduler.waitUntilReady()
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("trace-card")
        // A past term: both entries are due whatever the business clock says.
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(), start: "2020-01-01", end: "2020-03-01"))
        try await LiveServices.eventually("both entries marked paid", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND is_paid", [policy]) == 2
        }
        try LiveServices.database().query(
            """
            WITH entry AS (
                INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, policy_id, entry_number, posted_on, memo)
                VALUES ($1 || ':collected:1', $1 || '-evt', 'coverpay.payment.succeeded', 'collected', 1, $1, 1, '2020-01-01', 'card collected')
                RETURNING entry_id
            )
            INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents, credit_cents)
            SELECT entry_id, line, account, debit, credit FROM entry, (VALUES (1, '1030', 10700, 0), (2, '2010', 0, 10700)) AS l(line, account, debit, credit)
            """, [policy]
        )

        let whole = Self.steps(try Self.trace([policy]))
        let entryOne = whole.filter { $0["entry_number"] == .number("1") }
        let types = entryOne.compactMap { $0["type"]?.stringValue }
        let expected = ["coverpay.installment.due", "coverpay.payment.routed", "coverpay.payment.attempted", "coverpay.payment.succeeded"]
        let positions = expected.map { type in types.firstIndex(of: type) }
        #expect(positions.allSatisfy { $0 != nil }, "\(types)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "in order: \(types)")
        #expect(types.first == "schedule.entry_revised", "the entry's creation comes first: \(types)")
        #expect(types.contains("ledger.journal_entry"))
        let routed = entryOne.first { $0["type"] == .string("coverpay.payment.routed") }
        #expect(routed?["worker"] == .string("collector"))
        #expect(routed?["summary"]?.stringValue?.contains("card-processor-split") == true, "\(routed?["summary"] ?? .null)")
        let journal = entryOne.first { $0["type"] == .string("ledger.journal_entry") }
        #expect(journal?["summary"]?.stringValue?.contains("Dr 1030 $107.00, Cr 2010 $107.00") == true, "\(journal?["summary"] ?? .null)")
        let ats = whole.compactMap { $0["at"]?.stringValue }
        #expect(ats == ats.sorted())
        #expect(whole.contains { $0["type"] == .string("coverpay.schedule.updated") && $0["entry_number"] == .null })

        let second = Self.steps(try Self.trace([policy, "--entry", "2"]))
        #expect(!second.isEmpty)
        #expect(second.allSatisfy { $0["entry_number"] == .number("2") }, "\(second)")
        #expect(second.contains { $0["type"] == .string("coverpay.payment.succeeded") })

        // A chargeback of entry 2, as the reconciler (or a bank file) would report it: the scheduler
        // marks the entry unpaid again, and the trace shows that revision after the payment.
        try LiveServices.publish(Events.envelope("coverpay.payment.returned", policy: policy, data: [
            "entry_number": .number("2"), "payment_id": .string("\(policy)-chargeback"), "attempt": .number("1"),
            "amount": .string("100.00"), "failure_code": .string("card_chargeback"), "late": .bool(true),
            "returned_on": .string("2020-03-10"), "retryable": .bool(false),
        ]))
        try await LiveServices.eventually("entry 2 unpaid again") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND entry_number = 2 AND NOT is_paid", [policy]) == 1
        }
        let afterReturn = Self.steps(try Self.trace([policy, "--entry", "2"]))
        let succeededAt = afterReturn.firstIndex { $0["type"] == .string("coverpay.payment.succeeded") }
        let unpaidAt = afterReturn.lastIndex { $0["type"] == .string("schedule.entry_revised") }
        #expect(afterReturn[unpaidAt ?? 0]["summary"]?.stringValue?.contains("after coverpay.payment.returned") == true, "\(afterReturn)")
        #expect(afterReturn[unpaidAt ?? 0]["summary"]?.stringValue?.contains("unpaid") == true)
        #expect((succeededAt ?? .max) < (unpaidAt ?? .min))

        let table = try LiveServices.coverpay(["trace", policy, "--entry", "1"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("payment.succeeded"))
        let missingEntry = try LiveServices.coverpay(["trace", policy, "--entry", "9"])
        #expect(missingEntry.status != 0)
        #expect(missingEntry.stderr.contains("no installment 9"))
        try await collector.terminate()
        try await scheduler.terminate()
    }

    @Test("an unknown policy: a clear message and a non-zero exit")
    func unknownPolicy() throws {
        let result = try LiveServices.coverpay(["trace", Events.uniqueID("trace-nobody")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no policy"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("a dead letter about the policy and the operator's dry-run replay are steps")
    func deadLetters() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("trace-dlq")
        var endorsement = Events.change("coverpay.policy.endorsed", policy: policy, sequence: 2, effective: "2026-03-01", items: [])
        endorsement = endorsement.removingData("items")
        let id = endorsement["id"]!.stringValue!
        try LiveServices.publish(endorsement)
        try await LiveServices.eventually("the endorsement is dead-lettered") {
            try LiveServices.coverpay(["dlq", "list", "--policy", policy, "--json"]).stdout.contains(id)
        }
        #expect(try LiveServices.coverpay(["dlq", "replay", "--id", id, "--dry-run", "--note", "trace test"]).status == 0)

        let steps = Self.steps(try Self.trace([policy]))
        let letter = steps.first { $0["type"] == .string("dlq.dead_letter") }
        #expect(letter?["event_id"] == .string(id))
        #expect(letter?["summary"]?.stringValue?.contains("schema_violation") == true, "\(letter ?? .null)")
        let replay = steps.first { $0["type"] == .string("dlq.replay") }
        #expect(replay?["summary"]?.stringValue?.contains("dry run") == true)
        #expect(replay?["summary"]?.stringValue?.contains("trace test") == true)
        try await scheduler.terminate()
        try LiveServices.coverpay(["dlq", "purge", "--id", id, "--note", "trace test cleanup"])
    }
}

extension TraceTests {
    /// Records events in the timeline as the retrier and the reconciler will publish them
    /// (docs/payment-loop.md), in order, the way `Outbox.enqueue` does. They are stand-ins, so the
    /// test removes them (`forget`): the timeline must hold only what real workers published
    /// (tests/python/test_published_events.py validates it against the schemas).
    static func record(_ policy: String, _ events: [(String, String, [String: JSONValue])]) throws {
        for (worker, type, data) in events {
            var payload = data
            payload["policy_id"] = .string(policy)
            let event = Events.envelope(type, policy: policy, data: payload)
            var body = event.objectValue ?? [:]
            body["source"] = .string("coverpay/\(worker)")
            try LiveServices.database().query(
                "INSERT INTO coverpay.payment_events (event_id, type, policy_id, body) VALUES ($1, $2, $3, $4::jsonb)",
                [event["id"]!.stringValue!, type, policy, JSONValue.object(body).serialized()]
            )
        }
    }

    static func forget(_ policy: String) {
        _ = try? LiveServices.database().query("DELETE FROM coverpay.payment_events WHERE policy_id = $1", [policy])
    }

    @Test("the stories on-call asks about: a soft decline retried then cured, an R07 late return, a chargeback")
    func paymentLoopStories() throws {
        let policy = Events.uniqueID("trace-stories")
        defer { Self.forget(policy) }
        func payment(_ entry: Int, attempt: Int, rail: String, _ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
            var data: [String: JSONValue] = [
                "entry_number": .number("\(entry)"), "attempt": .number("\(attempt)"), "payment_id": .string("\(policy)-\(entry)-\(attempt)"),
                "amount": .string("100.00"), "fee": .string("0.00"), "total": .string("100.00"), "currency": .string("USD"), "rail": .string(rail),
            ]
            data.merge(extra) { $1 }
            return data
        }
        try Self.record(policy, [
            ("collector", "coverpay.payment.failed", payment(1, attempt: 1, rail: "card", ["failure_code": .string("card_soft_decline"), "retryable": .bool(true), "message": .string("insufficient funds")])),
            ("retrier", "coverpay.delinquency.changed", ["from": .string("current"), "to": .string("past_due"), "past_due_amount": .string("100.00"), "changed_on": .string("2027-03-02")]),
            ("retrier", "coverpay.retry.scheduled", ["entry_number": .number("1"), "next_attempt": .number("2"), "retry_on": .string("2027-03-04"), "rail": .string("card"),
                                          "rule": .string("card-soft-backoff"), "failure_code": .string("card_soft_decline"), "budget_used": .number("1"), "budget_limit": .number("15")]),
            ("collector", "coverpay.payment.succeeded", payment(1, attempt: 2, rail: "card", ["processor_reference": .string("ch_2")])),
            ("retrier", "coverpay.delinquency.cured", ["past_due_amount": .string("100.00"), "cured_on": .string("2027-03-04"), "cured_by": .string("payment")]),
            ("reconciler", "coverpay.payment.succeeded", payment(2, attempt: 1, rail: "ach", ["trace_number": .string("011000010000042"), "succeeded_on": .string("2027-04-02")])),
            ("reconciler", "coverpay.payment.returned", payment(2, attempt: 1, rail: "ach", ["failure_code": .string("ach_return_R07"), "return_code": .string("R07"), "late": .bool(true),
                                                                               "returned_on": .string("2027-04-07"), "retryable": .bool(false), "message": .string("authorization revoked")])),
            ("reconciler", "coverpay.payment.returned", payment(3, attempt: 1, rail: "card", ["failure_code": .string("card_chargeback"), "late": .bool(true), "returned_on": .string("2027-05-20"), "retryable": .bool(false)])),
            ("future-worker", "coverpay.something.future", ["entry_number": .number("3"), "detail": .string("a newer worker's event")]),
        ])

        let first = Self.steps(try Self.trace([policy, "--entry", "1"]))
        let summaries = first.compactMap { $0["summary"]?.stringValue }
        #expect(summaries.count == 5, "\(summaries)")
        #expect(summaries.first?.contains("failed: card_soft_decline (retryable)") == true)
        #expect(summaries.contains { $0.contains("delinquency current -> past_due") })
        #expect(summaries.contains { $0 == "retry: attempt 2 by card on 2027-03-04 after card_soft_decline (rule card-soft-backoff, budget 1/15)" })
        #expect(summaries.last?.contains("delinquency cured on 2027-03-04") == true)
        #expect(first.first { $0["type"] == .string("coverpay.retry.scheduled") }?["worker"] == .string("retrier"))
        #expect(first.first?["worker"] == .string("collector"))

        let second = Self.steps(try Self.trace([policy, "--entry", "2"])).compactMap { $0["summary"]?.stringValue }
        #expect(second.count == 4, "\(second)") // its two steps and the policy-wide delinquency steps
        #expect(second.contains { $0.contains("returned R07 LATE") && $0.contains("not retryable") })
        let third = Self.steps(try Self.trace([policy, "--entry", "3"])).compactMap { $0["summary"]?.stringValue }
        #expect(third.contains { $0.contains("returned card_chargeback LATE") })
        #expect(third.contains { $0.contains("detail=a newer worker's event") })
    }
}

private extension JSONValue {
    func removingData(_ key: String) -> JSONValue {
        guard var object = objectValue, var data = object["data"]?.objectValue else { return self }
        data[key] = nil
        object["data"] = .object(data)
        return .object(object)
    }
}
