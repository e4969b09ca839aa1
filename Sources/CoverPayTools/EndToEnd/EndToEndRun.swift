import AMQP
import CoverPayCore
import Fleet
import Foundation
import Postgres

/// The whole payment loop end to end, without faults: a book (`SandboxBook`) driven through billing
/// days by `ChaosRun` with `replicas` of every worker, the sandbox bank settling each business day
/// (the caller's `dailyStep`), GL sync on to the fake QuickBooks, then audited.
///
/// 1. The fake QuickBooks starts and its settings go into this process's environment, so the fleet
///    script passes them to the workers; the fleet is stopped, to be started again with them.
/// 2. The dead letters already queued are noted, and two deliberately bad messages are published:
///    they, and only they, may be dead-lettered by the run.
/// 3. `ChaosRun` (no faults) publishes the book, moves the clock a day at a time, waits for the
///    fleet to drain, and runs the chaos audit (charges, collections, NACHA entries, balance, trust).
/// 4. The run waits until every journal entry of the book has been synced to QuickBooks.
/// 5. `EndToEndAudit`, the dead-letter check and the caller's checks (`extraChecks`: the report and
///    the reconciliation report against the ledger, which live with the CLI).
/// 6. The fleet is stopped (it points at a fake that is about to go) and the fake with it.
public struct EndToEndRun {
    public struct Outcome: Sendable {
        public let prefix: String
        public let firstDay: CalendarDate
        public let lastDay: CalendarDate
        public let duration: Duration
        public let figures: [(String, Int)]
        public let findings: [String]
        public var passed: Bool { findings.isEmpty }
    }

    let configuration: FleetConfiguration
    let queues: [QueueDefinition]
    let workers: [String]
    let settings: ChaosRun.Settings
    let dailyStep: (CalendarDate, PostgresConnection) throws -> Void

    public init(
        configuration: FleetConfiguration, queues: [QueueDefinition], workers: [String], settings: ChaosRun.Settings,
        dailyStep: @escaping (CalendarDate, PostgresConnection) throws -> Void
    ) {
        self.configuration = configuration
        self.queues = queues
        self.workers = workers
        self.settings = settings
        self.dailyStep = dailyStep
    }

    public func run(
        seed: UInt64, glTimeout: Duration, progress: (String) -> Void,
        extraChecks: (PostgresConnection, ChaosRun.Outcome) throws -> [String]
    ) throws -> Outcome {
        let began = ContinuousClock.now
        let scripts = LocalScripts(root: settings.repositoryRoot)
        let quickBooks = try QuickBooksFake(
            repositoryRoot: settings.repositoryRoot, realm: "9130350000000e2e", clientID: "e2e-client", clientSecret: "e2e-secret",
            refreshToken: "e2e-refresh-\(UUID().uuidString)"
        )
        defer { quickBooks.stop() }
        let glSync = quickBooks.settings(accountMap: Dictionary(uniqueKeysWithValues: QuickBooksFake.chart.map { ($0, "qbo-\($0)") })).merging([
            "COVERPAY_QBO_MODE": "detailed", "COVERPAY_QBO_BATCH_SIZE": "30", "COVERPAY_QBO_MIN_INTERVAL_MS": "0",
            "COVERPAY_QBO_BACKOFF_MS": "50", "COVERPAY_QBO_PAUSE_AFTER_ERROR_MS": "2000",
        ]) { $1 }
        for (name, value) in glSync { setenv(name, value, 1) }
        try scripts.fleet(["stop"])
        defer { try? scripts.fleet(["stop"]) }

        let deadLetterQueues = queues.map(\.deadLetterQueue) + [Topology.unroutableQueue]
        let before = try deadLetterIDs(deadLetterQueues)
        let bad = try publishDeliberatelyBad(seed: seed)
        progress("e2e: fake QuickBooks on port \(quickBooks.port); \(settings.policies) policies over \(settings.days) days, \(settings.replicas) replicas of every worker")

        let chaos = ChaosRun(configuration: configuration, queues: queues, workers: workers, settings: settings, dailyStep: dailyStep)
        let outcome = try chaos.run(number: 0, seed: seed, progress: progress)
        let database = try PostgresConnection(url: configuration.databaseURL)
        let synced = try waitUntilSynced(database, prefix: outcome.prefix, timeout: glTimeout)

        var findings = outcome.findings
        if !synced { findings.append("gl_sync: journal entries of the run still pending after \(glTimeout)") }
        findings += try EndToEndAudit(database: database, prefix: outcome.prefix, lastDay: outcome.lastDay)
            .run(quickBooks: quickBooks.documentsByNumber()).map { "\($0.check): \($0.detail)" }
        findings += try deadLetterFindings(deadLetterQueues, before: before, deliberatelyBad: bad)
        findings += try extraChecks(database, outcome)
        return Outcome(
            prefix: outcome.prefix, firstDay: outcome.firstDay, lastDay: outcome.lastDay, duration: ContinuousClock.now - began,
            figures: try figures(database, prefix: outcome.prefix), findings: findings
        )
    }

    /// Message ids in the dead-letter queues now (browsed, left in place).
    private func deadLetterIDs(_ names: [String]) throws -> [String: Set<String>] {
        let broker = try AMQPConnection(AMQPConfiguration(url: configuration.amqpURL))
        let browser = DeadLetterBrowser(connection: broker)
        var ids: [String: Set<String>] = [:]
        for name in names {
            try browser.browse(name) { letter in
                ids[name, default: []].insert(letter.id)
                return .keep
            }
        }
        return ids
    }

    /// A body that is not JSON and an issuance without its fields: every queue bound to
    /// `coverpay.policy.issued` must dead-letter them (`invalid_json`, `schema_violation`).
    private func publishDeliberatelyBad(seed: UInt64) throws -> Set<String> {
        let notJSON = "e2e-bad-json-\(seed)-\(UUID().uuidString.prefix(8))", noFields = "e2e-bad-schema-\(seed)-\(UUID().uuidString.prefix(8))"
        let event = JSONValue.object([
            "specversion": .string("1.0"), "id": .string(noFields), "source": .string("coverpay/e2e"), "type": .string("coverpay.policy.issued"),
            "subject": .string("E2E-BAD"), "datacontenttype": .string("application/json"), "data": .object(["policy_id": .string("E2E-BAD")]),
        ])
        try publishConfirmed([
            AMQPMessage(body: Array("{ not json".utf8), messageID: notJSON, type: "coverpay.policy.issued", contentType: CloudEvent.contentType),
            AMQPMessage(event: event),
        ], amqpURL: configuration.amqpURL)
        return [notJSON, noFields]
    }

    /// New dead letters are only the deliberately bad messages, and each of those was dead-lettered.
    private func deadLetterFindings(_ names: [String], before: [String: Set<String>], deliberatelyBad: Set<String>) throws -> [String] {
        let after = try deadLetterIDs(names)
        var findings: [String] = []
        var seen: Set<String> = []
        for (queue, ids) in after {
            let new = ids.subtracting(before[queue] ?? [])
            seen.formUnion(new)
            for id in new.subtracting(deliberatelyBad).sorted() { findings.append("dead_letter: \(id) in \(queue)") }
        }
        for id in deliberatelyBad.subtracting(seen).sorted() { findings.append("dead_letter: the deliberately bad \(id) was not dead-lettered") }
        return findings
    }

    /// Until no journal entry of the run is waiting for QuickBooks.
    private func waitUntilSynced(_ database: PostgresConnection, prefix: String, timeout: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let pending: Int = try database.query("""
                SELECT count(*) AS n FROM gl.pending_entries p JOIN ledger.journal_entries j ON j.entry_id = p.entry_id WHERE j.policy_id LIKE $1 || '%'
                """, [prefix])[0].decode("n")
            if pending == 0 { return true }
            Thread.sleep(forTimeInterval: 1)
        }
        return false
    }

    /// What the run did, counted from the database.
    private func figures(_ database: PostgresConnection, prefix: String) throws -> [(String, Int)] {
        let row = try database.query("""
            SELECT (SELECT count(*) FROM scheduler.policies WHERE policy_id LIKE $1 || '%') AS policies,
                   (SELECT count(*) FROM scheduler.entries WHERE policy_id LIKE $1 || '%' AND status = 'Valid' AND is_paid) AS entries_paid,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.installment.due') AS installments_due,
                   (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%') AS attempts,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.succeeded') AS collected,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.settled') AS settled,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.returned') AS returned,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.retry.scheduled') AS retries,
                   (SELECT count(*) FROM retrier.policies WHERE policy_id LIKE $1 || '%' AND stage <> 'current') AS delinquent,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%') AS events,
                   (SELECT count(*) FROM ledger.journal_entries WHERE policy_id LIKE $1 || '%') AS journal_entries
            """, [prefix])[0]
        return try ["policies", "installments_due", "attempts", "collected", "settled", "returned", "retries", "entries_paid", "delinquent", "events", "journal_entries"]
            .map { ($0, try row.decode($0, as: Int.self)) }
    }
}
