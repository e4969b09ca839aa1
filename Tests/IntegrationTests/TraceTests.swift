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

private extension JSONValue {
    func removingData(_ key: String) -> JSONValue {
        guard var object = objectValue, var data = object["data"]?.objectValue else { return self }
        data[key] = nil
        object["data"] = .object(data)
        return .object(object)
    }
}
