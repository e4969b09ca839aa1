import CoverPayCore
import Foundation
import SchedulerWorker
import Testing

extension FleetTests {
    /// Issuance, an endorsement, a cancellation and a reinstatement of one policy, in sequence order.
    static func lifecycle(of policy: String) -> [JSONValue] {
        [
            Events.issued(policy: policy, items: [
                Events.item("dwelling", premium: "1200.00", fee: "60.00", tax: "24.00"),
                Events.item("driver", premium: "300.00", kind: "participant"),
            ]),
            Events.change("coverpay.policy.endorsed", policy: policy, sequence: 2, effective: "2026-04-15",
                          items: [Events.item("dwelling", premium: "120.00", tax: "2.40")]),
            Events.change("coverpay.policy.cancelled", policy: policy, sequence: 3, effective: "2026-08-01",
                          items: [Events.item("dwelling", premium: "-200.00")], extra: ["reason": .string("insured_request")]),
            Events.change("coverpay.policy.reinstated", policy: policy, sequence: 4, effective: "2026-09-01",
                          items: [Events.item("dwelling", premium: "200.00")]),
        ]
    }

    /// A schedule's JSON with the policy id blanked, so schedules of different policies compare.
    static func anonymised(_ schedule: JSONValue) -> JSONValue {
        guard var members = schedule.objectValue else { return schedule }
        members["policy_id"] = .string("-")
        return .object(members)
    }

    static func storedSchedule(_ policy: String) throws -> JSONValue {
        let shown = try LiveServices.coverpay(["schedule", "show", policy, "--json"])
        guard shown.status == 0 else { throw FleetTestError("schedule show \(policy): \(shown.stderr)") }
        return try JSONValue.parse(Array(shown.stdout.utf8))
    }

    static func lastSequence(_ policy: String) throws -> Int {
        try LiveServices.count("SELECT last_sequence AS n FROM scheduler.policies WHERE policy_id = $1", [policy])
    }

    @Test("events redelivered, duplicated or shuffled per policy give the same stored schedule as the preview")
    func orderIndependence() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let inOrder = Events.uniqueID("ordered"), shuffled = Events.uniqueID("shuffled")
        let ordered = Self.lifecycle(of: inOrder)
        for event in ordered { try LiveServices.publish(event) }
        let scrambled = Self.lifecycle(of: shuffled)
        // Latest first, with copies (same message ids) of two events, one of them after the fact.
        for index in [3, 1, 1, 2, 0, 3] { try LiveServices.publish(scrambled[index]) }
        try await LiveServices.eventually("both policies reach sequence 4") {
            try Self.lastSequence(inOrder) == 4 && Self.lastSequence(shuffled) == 4
        }
        try LiveServices.publish(scrambled[0])

        let preview = try LiveServices.coverpay(["schedule", "preview"], stdin: JSONValue.array(ordered).serialized())
        #expect(preview.status == 0, "\(preview.stderr)")
        let expected = Self.anonymised(try JSONValue.parse(Array(preview.stdout.utf8)))
        #expect(Self.anonymised(try Self.storedSchedule(inOrder)) == expected)
        try await Task.sleep(for: .seconds(1))
        #expect(Self.anonymised(try Self.storedSchedule(shuffled)) == expected)
        let updates = try LiveServices.count(
            "SELECT count(*) AS n FROM coverpay.payment_events WHERE policy_id = $1 AND type = 'coverpay.schedule.updated'", [shuffled]
        )
        #expect(updates == 4, "one schedule.updated per transaction")
        try await scheduler.terminate()
    }

    /// A second consumer parking a successor while this one waits for the policy's row lock (what
    /// `orderIndependence` hits now and then with two consumers) is played here by a test connection.
    @Test("an event parked while its predecessor waited for the policy's row lock is applied right after the predecessor")
    func parkedDuringLockWait() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("lockwait")
        let events = Self.lifecycle(of: policy)
        try LiveServices.publish(events[0])
        try await LiveServices.eventually("the issuance applied") { try Self.lastSequence(policy) == 1 }

        let rival = try LiveServices.database()
        let rivalPID = try rival.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
        try rival.query("BEGIN")
        try rival.query("SELECT 1 FROM scheduler.policies WHERE policy_id = $1 FOR UPDATE", [policy])
        try LiveServices.publish(events[1])
        try await LiveServices.eventually("the endorsement waits for the row lock") {
            try LiveServices.count("SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))", [rivalPID]) == 1
        }
        try rival.query(
            "INSERT INTO scheduler.parked_events (policy_id, sequence, event_id, body) VALUES ($1, 3, $2, $3)",
            [policy, events[2]["id"]!.stringValue!, events[2].serialized()]
        )
        try rival.query("COMMIT")
        try await LiveServices.eventually("the parked cancellation applied after the endorsement") { try Self.lastSequence(policy) == 3 }
        try await scheduler.terminate()
    }

    @Test("two scheduler replicas publish each installment.due exactly once as the clock advances")
    func dueInstallmentsExactlyOnce() async throws {
        #expect(try LiveServices.coverpay(["clock", "set", "2030-12-01"]).status == 0)
        defer { _ = try? LiveServices.coverpay(["clock", "reset"]) }
        let replicas = try [WorkerProcess("scheduler"), WorkerProcess("scheduler")]
        for replica in replicas { try await replica.waitUntilReady() }
        let prefix = Events.uniqueID("twins")
        let policies = (0..<20).map { "\(prefix)-\($0)" }
        for policy in policies {
            try LiveServices.publish(Events.issued(policy: policy, start: "2031-01-01", end: "2032-01-01"))
        }
        try await LiveServices.eventually("20 schedules stored") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.policies WHERE policy_id LIKE $1 AND last_sequence = 1", ["\(prefix)-%"]) == 20
        }
        for month in 1...12 {
            #expect(try LiveServices.coverpay(["clock", "set", String(format: "2031-%02d-15", month)]).status == 0)
            try await LiveServices.eventually("installments of month \(month) announced") {
                try LiveServices.count(
                    "SELECT count(*) AS n FROM scheduler.entries WHERE policy_id LIKE $1 AND due_published_at IS NOT NULL", ["\(prefix)-%"]
                ) == 20 * month
            }
        }
        try await Task.sleep(for: .seconds(1))
        let rows = try LiveServices.database().query(
            """
            SELECT count(*) AS announcements, count(DISTINCT (policy_id, body->'data'->>'entry_number')) AS entries
            FROM coverpay.payment_events WHERE type = 'coverpay.installment.due' AND policy_id LIKE $1
            """, ["\(prefix)-%"]
        )
        #expect(try rows[0].decode("announcements", as: Int.self) == 240)
        #expect(try rows[0].decode("entries", as: Int.self) == 240)
        for replica in replicas { try await replica.terminate() }
    }

    @Test("payment outcomes interleaving policies, split between two consumers, apply without a lock-order deadlock")
    func interleavedPaymentsWithoutDeadlock() async throws {
        let prefix = Events.uniqueID("interleaved")
        let policies = (0..<7).map { "\(prefix)-\($0)" }
        let environment = ["COVERPAY_CONSUMERS": "2", "COVERPAY_BATCH": "20", "COVERPAY_PREFETCH": "32"]
        let issuing = try WorkerProcess("scheduler", environment: environment)
        try await issuing.waitUntilReady()
        for policy in policies { try LiveServices.publish(Events.issued(policy: policy)) }
        try await LiveServices.eventually("7 schedules stored") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.policies WHERE policy_id LIKE $1 AND last_sequence = 1", ["\(prefix)-%"]) == 7
        }
        try await issuing.terminate()
        // Queued while no scheduler runs, so both consumers of the next one get full batches. With
        // an odd number of policies the broker's round robin hands each consumer every policy, in
        // orders that differ between the two.
        for entry in 1...12 {
            for policy in policies { try LiveServices.publish(Events.paymentSucceeded(policy: policy, entry: entry)) }
        }
        let scheduler = try WorkerProcess("scheduler", environment: environment)
        try await LiveServices.eventually("84 entries marked paid") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id LIKE $1 AND is_paid", ["\(prefix)-%"]) == 84
        }
        try await scheduler.terminate()
        let deadlocks = scheduler.log.split(separator: "\n").filter { $0.contains("40P01") }
        #expect(deadlocks.isEmpty, "\(deadlocks.count) deadlock(s), e.g. \(deadlocks.first ?? "")")
    }

    @Test("bad policy events are dead-lettered with a reason that names the problem", arguments: [
        ("end before start", "invalid_term"),
        ("unknown frequency", "schema_violation"),
        ("more than two decimals", "schema_violation"),
        ("non-USD currency", "schema_violation"),
        ("effective date outside the term", "effective_date_outside_term"),
        ("endorsement for an unknown policy", "unknown_policy"),
    ])
    func badPolicyEvents(problem: String, reason: String) async throws {
        let scheduler = try WorkerProcess("scheduler", environment: ["COVERPAY_PARK_TIMEOUT_SECONDS": "1"])
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("invalid")
        var events: [JSONValue] = []
        switch problem {
        case "end before start": events = [Events.issued(policy: policy, start: "2026-06-01", end: "2026-01-01")]
        case "unknown frequency": events = [Events.issued(policy: policy, frequency: "fortnightly")]
        case "more than two decimals": events = [Events.issued(policy: policy, items: [Events.item("dwelling", premium: "100.125")])]
        case "non-USD currency": events = [Events.issued(policy: policy, currency: "EUR")]
        case "effective date outside the term":
            events = [Events.issued(policy: policy), Events.change("coverpay.policy.endorsed", policy: policy, sequence: 2,
                                                                   effective: "2028-01-01", items: [Events.item("dwelling", premium: "10.00")])]
        default:
            events = [Events.change("coverpay.policy.endorsed", policy: policy, sequence: 2, effective: "2026-03-01",
                                    items: [Events.item("dwelling", premium: "10.00")])]
        }
        for event in events { try LiveServices.publish(event) }
        let rejected = events.last!["id"]!.stringValue!
        try await LiveServices.eventually("the event is dead-lettered as \(reason)") {
            try Self.deadLetters([rejected])[rejected]?["reason"]?.stringValue == reason
        }
        #expect(try LiveServices.coverpay(["dlq", "purge", "--id", rejected]).status == 0)
        try await scheduler.terminate()
    }

    @Test("schedule preview prints the reason and exits non-zero on bad input")
    func previewRejectsBadInput() throws {
        let result = try LiveServices.coverpay(
            ["schedule", "preview"], stdin: JSONValue.array([Events.issued(policy: "P", start: "2026-06-01", end: "2026-01-01")]).serialized()
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("invalid_term"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("a schedule stored in the JSONEncoder form is rewritten by migration 013 and read back equal")
    func legacyStoredScheduleIsMigrated() throws {
        let policy = Events.uniqueID("legacy")
        // Issued (card, carrier, agency, commission), the first entry paid, endorsed, cancelled:
        // the cancellation entry is open.
        var schedule = PolicySchedule(policyID: policy)
        for (index, event) in Self.lifecycle(of: policy).prefix(3).enumerated() {
            try schedule.apply(PolicyTransaction(event: CloudEvent(json: event)))
            if index == 0 { try schedule.markPaid(entryNumber: 1) }
        }
        let legacy = String(decoding: try JSONEncoder().encode(schedule), as: UTF8.self)
        let database = try LiveServices.database()
        defer { _ = try? database.query("DELETE FROM scheduler.policies WHERE policy_id = $1", [policy]) }
        // As migration 004 left such rows: jsonb's text, keys reordered and spaced.
        try database.query("INSERT INTO scheduler.policies (policy_id, last_sequence, schedule) VALUES ($1, 3, $2::jsonb::text)", [policy, legacy])
        let migration = try String(
            contentsOf: LiveServices.repositoryRoot.appendingPathComponent("Schemas/migrations/013_scheduler_stored_form.sql"), encoding: .utf8
        )
        try database.transaction { try $0.execute(script: migration) }
        let stored = try #require(try ScheduleStore.load(policy, database))
        #expect(stored.schedule == schedule)
        #expect(stored.schedule.issuance?.paymentMethod != nil && stored.schedule.issuance?.commissionRate == "0.10")
    }
}
