import AMQP
import CoverPayCore
import CoverPayTools
import Foundation
import Postgres

/// One benchmark's result: each CoverPay figure beside the baselines measured in the same
/// invocation, the ratio its target is judged on, printed as a table or as JSON.
struct BenchReport {
    struct Figure {
        let name: String
        let value: Double
        let unit: String
        var note = ""
    }

    let benchmark: String
    var figures: [Figure] = []
    /// The CoverPay figure divided by its baseline, when there is one.
    var ratio: (label: String, value: Double)?
    /// nil when the benchmark has no target of its own.
    let target: String?
    var targetMet = false
    var notes: [String] = []

    func print(json: Bool) {
        if json {
            var object: [String: JSONValue] = [
                "benchmark": .string(benchmark), "build": .string(BuildConfiguration.name),
                "date": .string(Date().formatted(.iso8601)),
                "target": target.map(JSONValue.string) ?? .null, "target_met": target == nil ? .null : .bool(targetMet),
                "figures": .array(figures.map { .object([
                    "name": .string($0.name), "value": .number(Self.decimal($0.value)), "unit": .string($0.unit), "note": .string($0.note),
                ]) }),
                "notes": .array(notes.map(JSONValue.string)),
            ]
            if let ratio { object["ratio"] = .object(["label": .string(ratio.label), "value": .number(String(format: "%.3f", ratio.value))]) }
            return Output.json(.object(object))
        }
        Swift.print("coverpay bench \(benchmark) (\(BuildConfiguration.name) build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        Swift.print("")
        Output.table(["FIGURE", "VALUE", "UNIT", "NOTE"], figures.map { [$0.name, Self.grouped($0.value), $0.unit, $0.note] })
        Swift.print("")
        if let ratio { Swift.print(String(format: "ratio: %@ = %.2f", ratio.label, ratio.value)) }
        Swift.print(target.map { "target: \($0) — \(targetMet ? "met" : "NOT met")" } ?? "target: none set")
        notes.forEach { Swift.print("note: \($0)") }
    }

    private static func decimal(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }

    private static func grouped(_ value: Double) -> String {
        value >= 100 ? value.formatted(.number.precision(.fractionLength(0))) : String(format: "%.2f", value)
    }
}

/// Debug builds run the engine several times slower; every report says which one it measured.
enum BuildConfiguration {
    #if DEBUG
    static let name = "debug"
    #else
    static let name = "release"
    #endif
    static let releaseHint = "this is a debug build; measure with `swift build -c release --scratch-path .build-bench` and `.build-bench/release/coverpay bench …`"
}

/// Seconds taken by `body`.
func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let started = ContinuousClock.now
    try body()
    return (ContinuousClock.now - started) / .seconds(1)
}

/// Publishes `count` messages on channel 1 (already in confirm mode), waiting for the broker's
/// confirms once per `batch`: the same path for the intake and for the broker baseline.
func publishConfirmed(
    count: Int, batch: Int = 200, on connection: AMQPConnection, exchange: String, routingKey: String,
    message: (Int) -> AMQPMessage
) throws {
    for index in 0..<count {
        try connection.publish(message(index), exchange: exchange, routingKey: routingKey, channel: 1)
        if (index + 1) % batch == 0 || index == count - 1 {
            let unroutable = try connection.waitForConfirms(channel: 1)
            guard unroutable.isEmpty else { throw CLIError("\(unroutable.count) message(s) to \(exchange) '\(routingKey)' matched no queue") }
        }
    }
}

/// What PostgreSQL alone sustains on this machine, measured by pgbench from `clients` connections
/// against tables of a scratch schema `coverpay_bench_<run>` made for the run and dropped afterwards.
enum PgbenchBaseline {
    /// Tables and the script one pgbench transaction runs; `$T` in both stands for the run's schema
    /// (`coverpay_bench_<run>.`).
    struct Workload {
        let setup: String
        let script: String

        /// One single-row INSERT per transaction into a logged table: one fsync'd commit each, the
        /// database's ceiling for "one commit per event".
        static let singleInsert = Workload(
            setup: "CREATE TABLE $Tcommits (id bigserial PRIMARY KEY, client int NOT NULL, at timestamptz NOT NULL DEFAULT now());",
            script: "INSERT INTO $Tcommits (client) VALUES (:client_id);\n"
        )

        /// The minimal durable write set of one intake (issue #13), in one transaction: the inbox row,
        /// the policy row with its stored schedule (≈ 1.6 kB), twelve entry rows under the due
        /// scan's partial index, one ≈ 1 kB outbox row (`schedule.updated`). Random text, so that
        /// lz4 compresses it no better than a real schedule.
        static let intakeWriteSet = Workload(
            setup: """
                CREATE TABLE $Tinbox (consumer text NOT NULL, message_id text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, message_id));
                CREATE TABLE $Tpolicies (policy_id text PRIMARY KEY, last_sequence integer NOT NULL DEFAULT 0,
                    rail text NOT NULL DEFAULT 'card', policy_number text, state text, line_of_business text, carrier_id text,
                    agency_id text, schedule text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
                    updated_at timestamptz NOT NULL DEFAULT now());
                ALTER TABLE $Tpolicies ALTER COLUMN schedule SET COMPRESSION lz4;
                CREATE TABLE $Tentries (policy_id text NOT NULL, entry_number integer NOT NULL, schedule_date date NOT NULL,
                    due_date date NOT NULL, transaction text NOT NULL, status text NOT NULL, is_paid boolean NOT NULL,
                    premium_cents bigint NOT NULL, fee_cents bigint NOT NULL, tax_cents bigint NOT NULL, total_cents bigint NOT NULL,
                    due_published_at timestamptz, PRIMARY KEY (policy_id, entry_number));
                CREATE INDEX ON $Tentries (due_date) WHERE status = 'Valid' AND NOT is_paid AND due_published_at IS NULL;
                CREATE TABLE $Toutbox (id bigserial PRIMARY KEY, producer text NOT NULL, message_id text NOT NULL,
                    exchange text NOT NULL, routing_key text NOT NULL, message_type text NOT NULL, body text NOT NULL,
                    headers jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
                ALTER TABLE $Toutbox ALTER COLUMN body SET COMPRESSION lz4;
                CREATE INDEX ON $Toutbox (producer, id);
                """,
            script: """
                \\set p random(1, 9000000000000000)
                BEGIN;
                INSERT INTO $Tinbox (consumer, message_id) VALUES ('scheduler', 'issued-' || :p);
                INSERT INTO $Tpolicies (policy_id, last_sequence, rail, policy_number, state, line_of_business, carrier_id, agency_id, schedule) VALUES ('pol-' || :p, 1, 'card', 'PN-1', 'CA', 'auto', 'carrier-1', 'agency-1', (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 50)));
                INSERT INTO $Tentries (policy_id, entry_number, schedule_date, due_date, transaction, status, is_paid, premium_cents, fee_cents, tax_cents, total_cents) SELECT 'pol-' || :p, g, current_date + 30 * g, current_date + 30 * g, 'NewBusiness', 'Valid', false, 10000, 500, 300, 10800 FROM generate_series(1, 12) g;
                INSERT INTO $Toutbox (producer, message_id, exchange, routing_key, message_type, body) VALUES ('scheduler', gen_random_uuid()::text, 'coverpay.events', 'coverpay.schedule.updated', 'coverpay.schedule.updated', (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 32)));
                COMMIT;

                """
        )

        /// The minimal durable write set of one card installment's lifecycle, in one transaction:
        /// the payment row and its outcome update (collector), the entry marked paid (scheduler), a
        /// balanced four-line journal entry (accounting-sync) and three outbox rows of ≈ 1 kB
        /// (payment.succeeded, schedule.updated, the journal's event), with the indexes they need.
        static let billingLifecycle = Workload(
            setup: """
                CREATE TABLE $Tpayments (payment_id text PRIMARY KEY, policy_id text NOT NULL, entry_number int NOT NULL,
                    attempt int NOT NULL, rail text, processor text, amount_cents bigint NOT NULL, fee_cents bigint NOT NULL DEFAULT 0,
                    currency text NOT NULL, status text NOT NULL, idempotency_key text UNIQUE, processor_reference text,
                    decision jsonb NOT NULL, trace_id text, sent_at timestamptz, created_at timestamptz NOT NULL DEFAULT now(),
                    decided_at timestamptz);
                CREATE INDEX ON $Tpayments (policy_id, entry_number);
                CREATE TABLE $Tentries (policy_id text, entry_number int, is_paid boolean NOT NULL DEFAULT false,
                    PRIMARY KEY (policy_id, entry_number));
                INSERT INTO $Tentries SELECT 'P' || g, 1 FROM generate_series(1, 100000) g;
                CREATE TABLE $Tjournal_entries (entry_id bigserial PRIMARY KEY, idempotency_key text NOT NULL UNIQUE,
                    event_id text NOT NULL, policy_id text, payment_id text, posted_on date NOT NULL, memo text NOT NULL,
                    posted_at timestamptz NOT NULL DEFAULT now());
                CREATE INDEX ON $Tjournal_entries (policy_id, entry_id);
                CREATE TABLE $Tjournal_lines (entry_id bigint NOT NULL REFERENCES $Tjournal_entries, line_number int NOT NULL,
                    account_code text NOT NULL, debit_cents bigint NOT NULL DEFAULT 0, credit_cents bigint NOT NULL DEFAULT 0,
                    PRIMARY KEY (entry_id, line_number));
                CREATE TABLE $Toutbox (id bigserial PRIMARY KEY, producer text NOT NULL, message_id text NOT NULL,
                    routing_key text NOT NULL, body text NOT NULL, headers jsonb NOT NULL DEFAULT '{}',
                    created_at timestamptz NOT NULL DEFAULT now());
                """,
            script: """
                \\set p random(1, 100000)
                \\set pay random(1, 9000000000000000)
                BEGIN;
                INSERT INTO $Tpayments (payment_id, policy_id, entry_number, attempt, rail, processor, amount_cents, currency, status, idempotency_key, decision) VALUES ('pay-' || :pay, 'P' || :p, 1, 1, 'card', 'sandbox-a', 12345, 'USD', 'pending', 'key-' || :pay, '{"outcome":"routed","rail":"card","processor":"sandbox-a","routing_rules":["card-processor-split"],"compliance_rules":[]}');
                UPDATE $Tpayments SET status = 'succeeded', processor_reference = 'sandbox-a-ch-0123456789ab', decided_at = now() WHERE payment_id = 'pay-' || :pay;
                UPDATE $Tentries SET is_paid = true WHERE policy_id = 'P' || :p AND entry_number = 1;
                INSERT INTO $Tjournal_entries (idempotency_key, event_id, policy_id, payment_id, posted_on, memo) VALUES (gen_random_uuid()::text, gen_random_uuid()::text, 'P' || :p, 'pay-' || :pay, current_date, 'card payment collected') RETURNING entry_id \\gset
                INSERT INTO $Tjournal_lines (entry_id, line_number, account_code, debit_cents, credit_cents) VALUES (:entry_id, 1, '1010', 12345, 0), (:entry_id, 2, '2010', 0, 11000), (:entry_id, 3, '2020', 0, 1000), (:entry_id, 4, '4010', 0, 1345);
                INSERT INTO $Toutbox (producer, message_id, routing_key, body) VALUES ('collector', gen_random_uuid()::text, 'coverpay.payment.succeeded', repeat('x', 1000)), ('scheduler', gen_random_uuid()::text, 'coverpay.schedule.updated', repeat('x', 1000)), ('accounting-sync', gen_random_uuid()::text, 'coverpay.journal.posted', repeat('x', 1000));
                COMMIT;

                """
        )
    }

    static func transactionsPerSecond(databaseURL: String, clients: Int, seconds: Int, workload: Workload = .singleInsert) throws -> Double {
        try throughput(databaseURL: databaseURL, clients: clients, seconds: seconds, workload: workload).tps
    }

    /// A pgbench run's rate, its transaction count and the CPU the machine spent meanwhile.
    struct Throughput {
        let tps: Double
        let transactions: Int
        /// nil without `/proc`.
        let cpu: CPUSpend?
    }

    static func throughput(databaseURL: String, clients: Int, seconds: Int, workload: Workload = .singleInsert) throws -> Throughput {
        let (output, cpu) = try CPUAccount.measure {
            try run(workload, databaseURL: databaseURL, options: [
                "-c", "\(clients)", "-j", "\(min(clients, ProcessInfo.processInfo.activeProcessorCount))", "-T", "\(seconds)",
            ])
        }
        let lines = output.split(separator: "\n")
        func number(after prefix: String) -> Double? {
            lines.first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count).prefix { $0 != " " && $0 != "/" }) }
        }
        guard let tps = number(after: "tps = "), let transactions = number(after: "number of transactions actually processed: ")
        else { throw CLIError("pgbench printed no tps or transaction count:\n\(output)") }
        return Throughput(tps: tps, transactions: Int(transactions), cpu: cpu)
    }

    /// Each transaction's latency, from its scheduled start, with `clients` connections throttled to
    /// `rate` transactions per second in all (`pgbench -R -l`), sorted.
    static func latencies(databaseURL: String, clients: Int, rate: Double, seconds: Int, workload: Workload) throws -> [Duration] {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("coverpay-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        _ = try run(workload, databaseURL: databaseURL, options: [
            "-c", "\(clients)", "-j", "1", "-T", "\(seconds)", "-R", String(format: "%.0f", rate), "-l", "--log-prefix=\(logs.path)/tx",
        ])
        // Per-transaction log lines: client, transaction number, latency in µs, script, epoch s, epoch µs[, lag].
        var latencies: [Duration] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: logs.path) {
            let text = try String(contentsOfFile: "\(logs.path)/\(file)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count >= 3, let micros = Int64(fields[2]) { latencies.append(.microseconds(micros)) }
            }
        }
        guard !latencies.isEmpty else { throw CLIError("pgbench logged no transactions in \(seconds) s at \(rate)/s") }
        return latencies.sorted()
    }

    /// Runs `workload` through pgbench against a scratch schema made for the run and dropped afterwards.
    private static func run(_ workload: Workload, databaseURL: String, options: [String]) throws -> String {
        let database = try PostgresConnection(url: databaseURL)
        // A scratch schema per run, which the coverpay role may create (it owns the database).
        let schema = "coverpay_bench_\(UUID().uuidString.prefix(8).lowercased())"
        let tables = { (text: String) in text.replacingOccurrences(of: "$T", with: "\(schema).") }
        try database.execute(script: "CREATE SCHEMA \(schema);\n" + tables(workload.setup))
        defer { try? database.execute(script: "DROP SCHEMA \(schema) CASCADE") }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("coverpay-bench-\(UUID().uuidString).sql")
        try Data(tables(workload.script).utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        return try runTool("pgbench", ["-n", "-f", script.path] + options + [databaseURL])
    }

    /// Runs a tool found on PATH and returns what it printed. Spawned with no signals blocked:
    /// pgbench ends `-T` runs on SIGALRM, which this process's threads block (and Foundation's
    /// `Process` passes that mask on, so pgbench would never stop).
    private static func runTool(_ name: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("coverpay-bench-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var alarm = sigset_t()
        sigemptyset(&alarm)
        sigaddset(&alarm, SIGALRM)
        posix_spawnattr_setsigdefault(&attributes, &alarm)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([name] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, name, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw CLIError("cannot run \(name): \(String(cString: strerror(spawned))); is postgresql-client installed?") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // Exited normally (no signal bits) with code 0.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw CLIError("\(name) failed (wait status \(status)):\n\(output)")
        }
        return output
    }
}

/// RabbitMQ's ceiling for the intake's first step: persistent 400-byte messages into a scratch
/// quorum queue through rabbitmq-c, confirms awaited per batch of 200.
enum BrokerBaseline {
    static func messagesPerSecond(amqpURL: String, messages: Int) throws -> Double {
        let connection = try AMQPConnection(AMQPConfiguration(url: amqpURL))
        defer { connection.close() }
        try connection.openChannel(1)
        let queue = "coverpay.bench.\(UUID().uuidString.prefix(8).lowercased())"
        _ = try connection.declareQueue(queue, arguments: ["x-queue-type": .string("quorum")], channel: 1)
        defer { try? connection.deleteQueue(queue, channel: 1) }
        try connection.enableConfirms(channel: 1)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 400)
        let seconds = try measureSeconds {
            try publishConfirmed(count: messages, on: connection, exchange: "", routingKey: queue) { _ in AMQPMessage(body: body) }
        }
        return Double(messages) / seconds
    }
}

/// Database-wide commit and WAL-fsync counters, to see how many of each an event costs.
struct CommitCounters {
    let commits: Int
    let walSyncs: Int

    static func read(_ database: PostgresConnection) throws -> CommitCounters {
        // Another backend's counters reach the views at most once a second; start from a fresh snapshot.
        try database.query("SELECT pg_stat_clear_snapshot()")
        let row = try database.query("""
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
                   (SELECT wal_sync FROM pg_stat_wal) AS wal_syncs
            """)[0]
        return CommitCounters(commits: try row.decode("commits"), walSyncs: try row.decode("wal_syncs"))
    }
}

/// RabbitMQ's ceiling for the intake's whole path with no database work at all: the same event
/// bodies published (confirms per 200) through an exchange into two quorum queues — as
/// `policy.issued` is routed to `scheduler.events` and `collector.policies` — and consumed and
/// acknowledged one by one from the first on a second connection, as a consumer loop does.
enum BrokerPipelineBaseline {
    static func eventsPerSecond(amqpURL: String, bodies: [[UInt8]]) throws -> Double {
        let configuration = try AMQPConfiguration(url: amqpURL)
        let publisher = try AMQPConnection(configuration)
        defer { publisher.close() }
        try publisher.openChannel(1)
        let name = "coverpay.bench.pipeline.\(UUID().uuidString.prefix(8).lowercased())"
        let queues = [name, "\(name).copy"]
        for queue in queues {
            _ = try publisher.declareQueue(queue, arguments: ["x-queue-type": .string("quorum")], channel: 1)
            try publisher.bindQueue(queue, exchange: "amq.direct", routingKey: name, channel: 1)
        }
        defer { for queue in queues { try? publisher.deleteQueue(queue, channel: 1) } }
        try publisher.enableConfirms(channel: 1)

        let consumed = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var consumerError: Error?
        let started = ContinuousClock.now
        Thread.detachNewThread {
            defer { consumed.signal() }
            do {
                let consumer = try AMQPConnection(configuration)
                defer { consumer.close() }
                try consumer.openChannel(1)
                try consumer.setPrefetch(64, channel: 1)
                try consumer.consume(queue: name, channel: 1)
                var received = 0
                while received < bodies.count {
                    guard let delivery = try consumer.nextDelivery(timeout: .seconds(30)) else {
                        throw CLIError("broker pipeline baseline: only \(received) of \(bodies.count) messages arrived")
                    }
                    try consumer.ack(delivery)
                    received += 1
                }
            } catch {
                consumerError = error
            }
        }
        try publishConfirmed(count: bodies.count, on: publisher, exchange: "amq.direct", routingKey: name) { AMQPMessage(body: bodies[$0]) }
        consumed.wait()
        if let consumerError { throw consumerError }
        return Double(bodies.count) / ((ContinuousClock.now - started) / .seconds(1))
    }
}
