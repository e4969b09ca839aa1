import AMQP
import ArgumentParser
import CollectorWorker
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation
import Postgres
import SchedulerWorker

/// Benchmarks that print each CoverPay figure beside a baseline measured in the same invocation on
/// the same machine: figures from different runs or machines are not comparable (docs/benchmarks.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the schedule engine, the scheduler's intake, the card rail and a billing day against same-run baselines.",
        subcommands: [Engine.self, Intake.self, Collect.self, BillingDay.self]
    )

    struct Engine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedules per second of the pure engine (12 monthly entries × 3 items), one thread; then the cost of storing one."
        )
        @Option(help: "How long to run.") var seconds: Double = 5
        @Flag(help: "Print JSON.") var json = false

        static let targetPerCore = 200_000.0

        func run() throws {
            let cpuBefore = CPUAccount.threadCPUSeconds()
            let result = ScheduleBenchmark.run(seconds: seconds)
            let cpuSeconds = CPUAccount.threadCPUSeconds() - cpuBefore
            // Per core = per CPU-second of this thread: other processes sharing the cores lower
            // the wall-clock rate, not this one.
            let perCore = Double(result.schedules) / cpuSeconds
            var report = BenchReport(benchmark: "engine", target: "≥ 200,000 schedules/s per core (release build)")
            report.figures = [
                .init(name: "engine per core", value: perCore, unit: "schedules/CPU-s", note: "\(result.schedules) schedules, \(String(format: "%.2f", cpuSeconds)) CPU-s on 1 thread"),
                .init(name: "engine wall clock", value: Double(result.schedules) / result.elapsed, unit: "schedules/s", note: "\(String(format: "%.2f", result.elapsed)) s; lower when the cores are shared"),
                .init(name: "target", value: Self.targetPerCore, unit: "schedules/s"),
            ]
            // What the scheduler pays per event to store and read back this schedule, beside the
            // JSONEncoder / JSONDecoder round it used before.
            for (operation, microseconds) in ScheduleBenchmark.storage(seconds: 0.5) {
                report.figures.append(.init(name: "storage", value: microseconds, unit: "µs/op", note: operation))
            }
            report.ratio = ("per core ÷ target", perCore / Self.targetPerCore)
            report.targetMet = perCore >= Self.targetPerCore && BuildConfiguration.name == "release"
            if BuildConfiguration.name == "debug" { report.notes.append(BuildConfiguration.releaseHint) }
            report.print(json: json)
        }
    }

    struct Intake: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "policy.issued events per second into stored schedules through the running scheduler(s).",
            discussion: """
                Publishes N policy.issued events (policies bench-<run>-<n>, terms in 2099 so nothing falls due) to \
                coverpay.events with confirms per 200 and times until every schedule is stored. Baselines first, \
                while the fleet is idle: pgbench running one intake's minimal durable write set per transaction (the \
                target's baseline) and single-INSERT transactions, the raw broker publish rate, and the broker alone \
                carrying the same events along the intake's path (two queues, consume and ack). Measured as production \
                runs: needs the whole fleet consuming its queues (Deploy/local/fleet start); --scheduler-only measures \
                with a lone scheduler.
                """
        )
        @Option(help: "Events to publish.") var events = 2000
        @Option(help: "pgbench client connections for the baseline.") var clients = 8
        @Option(help: "pgbench duration in seconds.") var pgbenchSeconds = 10
        @Option(help: "Messages for the broker baseline.") var brokerMessages = 20_000
        @Flag(help: "Leave the bench-<run> schedules in the database.") var keepRows = false
        @Option(help: "policy.issued events for the latency run at half the measured intake rate (0: none).") var latencyEvents = 1000
        @Option(help: "Events per second for the latency run instead of half the measured intake (the target is judged at half).") var latencyRate: Double?
        @Flag(help: "Measure with only a scheduler running (no other worker needs to consume).") var schedulerOnly = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let latencyRate, !(latencyRate > 0) { throw ValidationError("--latency-rate must be a positive number of events per second") }
        }

        func run() throws {
            let environment = try CLIEnvironment()
            let configuration = environment.configuration
            let broker = try environment.broker()
            let consumers = try broker.inspectQueue(SchedulerWorker.queue.name, channel: 1).consumers
            guard consumers > 0 else {
                throw CLIError("no scheduler consumes \(SchedulerWorker.queue.name); start the fleet: `Deploy/local/fleet start` (or a lone `.build-bench/release/scheduler` with --scheduler-only)")
            }
            if !schedulerOnly {
                let idle = try Catalog.queues.filter { try broker.inspectQueue($0.name, channel: 1).consumers == 0 }.map(\.name)
                guard idle.isEmpty else {
                    throw CLIError("the intake is measured with the whole fleet running, and no worker consumes \(idle.joined(separator: ", ")); `Deploy/local/fleet start`, or --scheduler-only")
                }
            }
            let database = try environment.database()

            let writeSet = try PgbenchBaseline.throughput(
                databaseURL: configuration.databaseURL, clients: clients, seconds: pgbenchSeconds, workload: .intakeWriteSet
            )
            let writeSetTPS = writeSet.tps
            let tps = try PgbenchBaseline.transactionsPerSecond(databaseURL: configuration.databaseURL, clients: clients, seconds: pgbenchSeconds)
            let brokerRate = try BrokerBaseline.messagesPerSecond(amqpURL: configuration.amqpURL, messages: brokerMessages)

            let run = "bench-\(UUID().uuidString.prefix(8).lowercased())"
            let bodies = (0..<events).map { Array(Self.issuedEvent(policy: "\(run)-\($0)").serialized().utf8) }
            let pipelineRate = try BrokerPipelineBaseline.eventsPerSecond(amqpURL: configuration.amqpURL, bodies: bodies)
            defer { if !keepRows { try? BenchRows.removeSchedules(prefix: run, database) } }

            try broker.enableConfirms(channel: 1)
            let before = try CommitCounters.read(database)
            let fleet = environment.fleetProcesses().running()
            let ((publishSeconds, storedSeconds), intakeCPU) = try CPUAccount.measure(fleet: fleet) {
                let started = ContinuousClock.now
                let publishSeconds = try measureSeconds {
                    try publishConfirmed(count: events, on: broker, exchange: Topology.eventsExchange, routingKey: "coverpay.policy.issued") {
                        AMQPMessage(body: bodies[$0], messageID: "\(run)-\($0)-issued", type: "coverpay.policy.issued", contentType: CloudEvent.contentType)
                    }
                }
                let storedSeconds = try Self.waitForSchedules(prefix: run, count: events, since: started, database)
                // The other workers' share of each event is spent by the time they are idle again.
                try BenchPolling.waitForIdleFleet(broker, database)
                return (publishSeconds, storedSeconds)
            }
            // Let the workers' idle backends report their counters (at most once a second).
            Thread.sleep(forTimeInterval: 1.2)
            let after = try CommitCounters.read(database)

            let intake = Double(events) / storedSeconds
            let latencySample = (0..<latencyEvents).map { index in
                let policy = "\(run)-latency-\(index)"
                return (policy, "\(policy)-issued", Array(Self.issuedEvent(policy: policy).serialized().utf8))
            }
            let steadyRate = latencyRate ?? intake / 2
            var latency: IntakeLatency.Figures?
            if !latencySample.isEmpty {
                let steady = try IntakeLatency.measure(amqpURL: configuration.amqpURL, events: latencySample, rate: steadyRate, timeout: .seconds(120), fleet: fleet)
                // The baselines run once the other workers have finished with the latency run's events.
                try BenchPolling.waitForIdleFleet(broker, database)
                latency = try IntakeLatency.Figures(
                    intake: steady,
                    brokerHop: IntakeLatency.measure(
                        amqpURL: configuration.amqpURL, events: latencySample, rate: steadyRate, timeout: .seconds(120), route: .brokerHop, fleet: fleet
                    ),
                    writeSet: PgbenchBaseline.latencies(
                        databaseURL: configuration.databaseURL, clients: consumers, rate: steadyRate,
                        seconds: max(2, Int((Double(latencySample.count) / steadyRate).rounded(.up))), workload: .intakeWriteSet
                    )
                )
            }
            var report = BenchReport(benchmark: "intake", target: "intake ≥ pgbench of the intake write set with \(clients) clients")
            report.figures = [
                .init(name: "intake", value: intake, unit: "events/s", note: "\(events) policy.issued → stored schedules in \(String(format: "%.2f", storedSeconds)) s, \(consumers) consumer(s) on \(SchedulerWorker.queue.name)\(schedulerOnly ? ", scheduler only" : ", whole fleet running")"),
                .init(name: "publish", value: Double(events) / publishSeconds, unit: "events/s", note: "the same events onto coverpay.events, confirms per 200"),
                .init(name: "pgbench write set", value: writeSetTPS, unit: "TPS", note: "one intake's inbox, policy (1.6 kB schedule), 12 entries, outbox row per transaction, \(clients) clients, \(pgbenchSeconds) s"),
                .init(name: "pgbench", value: tps, unit: "TPS", note: "1 INSERT per transaction, \(clients) clients, \(pgbenchSeconds) s"),
                .init(name: "broker", value: brokerRate, unit: "msg/s", note: "400-byte persistent messages to a quorum queue, confirms per 200"),
                .init(name: "broker path", value: pipelineRate, unit: "events/s", note: "the same events into two quorum queues, consumed and acked from one; no database"),
                .init(name: "commits/event", value: Double(after.commits - before.commits) / Double(events), unit: "", note: "database-wide, includes other activity"),
                .init(name: "wal fsyncs/event", value: Double(after.walSyncs - before.walSyncs) / Double(events), unit: "", note: "database-wide, includes other activity"),
            ]
            if let intakeCPU {
                report.addCPU(intakeCPU, units: events, unit: "event", during: "from the first publish until every worker was idle")
                report.addCPUBound(fleet: intakeCPU, units: events, unit: "event", rate: intake, pgbench: writeSet)
            }
            if let latency {
                let rate = latency.intake.achievedRate
                let note = String(
                    format: "policy.issued published → schedule.updated received, %d events at %.0f/s (%@); target p99 ≤ 50 ms at half the intake",
                    latencySample.count, rate, latencyRate == nil ? "half the intake" : String(format: "%.2f of the intake", rate / intake)
                )
                let hop = String(format: "the same bodies published straight to a quorum queue and received, at %.0f/s", latency.brokerHop.achievedRate)
                let writeSet = String(format: "pgbench write set at %.0f/s over %d clients, each transaction from its scheduled start", rate, consumers)
                let ms = { (duration: Duration) in duration / .milliseconds(1) }
                report.figures += [
                    .init(name: "latency p50", value: ms(latency.intake.p50), unit: "ms", note: note),
                    .init(name: "latency p99", value: ms(latency.intake.p99), unit: "ms", note: note),
                    .init(name: "broker hop p50", value: ms(latency.brokerHop.p50), unit: "ms", note: hop),
                    .init(name: "broker hop p99", value: ms(latency.brokerHop.p99), unit: "ms", note: hop),
                    .init(name: "write set p50", value: ms(latency.writeSetP50), unit: "ms", note: writeSet),
                    .init(name: "write set p99", value: ms(latency.writeSetP99), unit: "ms", note: writeSet),
                ]
                report.notes.append(String(
                    format: "latency bound: two broker hops + one write-set transaction = %.1f ms at p50, %.1f ms at p99 (summed, an upper estimate of the bound); intake p99 ÷ that = %.1f",
                    ms(latency.boundP50), ms(latency.boundP99), latency.intake.p99 / latency.boundP99
                ))
                if let cpu = latency.intake.cpu, latency.intake.cpuEvents > 0 {
                    let cores = cpu.groups.map { String(format: "%@ %.2f", $0.group, $0.seconds / cpu.wallSeconds) }.joined(separator: ", ")
                    let perEvent = cpu.busyMilliseconds(per: latency.intake.cpuEvents)
                    // A steady stream comes one event per transaction and costs more per event
                    // than a burst; the cores cap it at this rate, where queueing for CPU sets the tail.
                    let ceiling = Double(BenchReport.cores) * 1000 / perEvent
                    report.notes.append(String(
                        format: "cores busy machine-wide during the latency run: %.2f of %d (%@); %.2f ms of machine CPU per event%@; at that cost the cores carry at most %.0f events/s of a steady stream, and the run was at %.2f of it",
                        cpu.busyCores, BenchReport.cores, cores, perEvent,
                        intakeCPU.map { String(format: " against %.2f ms in the intake's burst", $0.busyMilliseconds(per: events)) } ?? "",
                        ceiling, rate / ceiling
                    ))
                }
                if let hop = latency.brokerHop.cpu, hop.wallSeconds > 0 {
                    // What RabbitMQ alone costs at this rate, for one of the intake's deliveries.
                    report.notes.append(String(
                        format: "RabbitMQ during the broker-hop baseline (one publish and one delivery per event, no fleet work): %.2f cores, %.2f ms per event",
                        hop.seconds(of: CPUAccount.rabbitMQ) / hop.wallSeconds, hop.milliseconds(of: CPUAccount.rabbitMQ, per: latency.brokerHop.cpuEvents)
                    ))
                }
            }
            report.ratio = ("intake ÷ pgbench write set", intake / writeSetTPS)
            report.notes.append(String(format: "intake ÷ pgbench single INSERT = %.2f", intake / tps))
            report.notes.append(String(format: "intake ÷ broker path = %.2f (the share of the broker-only ceiling reached)", intake / pipelineRate))
            report.targetMet = intake >= writeSetTPS
            if BuildConfiguration.name == "debug" { report.notes.append(BuildConfiguration.releaseHint) }
            report.notes.append(keepRows ? "rows kept: policies \(run)-*" : "bench rows removed (policies \(run)-*)")
            report.print(json: json)
        }

        /// Polls until `count` schedules with the prefix are stored; seconds since `since`.
        static func waitForSchedules(prefix: String, count: Int, since started: ContinuousClock.Instant, _ database: PostgresConnection) throws -> Double {
            try BenchPolling.waitFor(count, of: "schedules stored", since: started, hint: "see `coverpay status` and the scheduler's log") {
                try BenchPolling.count(
                    "SELECT count(*) AS n FROM scheduler.policies WHERE policy_id > $1 AND policy_id < $2 AND last_sequence = 1", prefix: prefix, database
                )
            }
        }

        /// A one-year monthly policy of three items (as ScheduleBenchmark issues), starting in 2099
        /// so the due scan never announces its installments.
        static func issuedEvent(policy: String) -> JSONValue {
            func item(_ kind: String, _ ref: String, _ name: String, _ premium: String, _ tax: String) -> JSONValue {
                .object(["kind": .string(kind), "ref": .string(ref), "name": .string(name), "premium": .string(premium), "fee": .string("12.00"), "tax": .string(tax)])
            }
            return .object([
                "specversion": .string("1.0"), "id": .string("\(policy)-issued"), "source": .string("coverpay/bench"),
                "type": .string("coverpay.policy.issued"), "subject": .string(policy), "time": .string(Date().formatted(.iso8601)),
                "datacontenttype": .string("application/json"),
                "data": .object([
                    "policy_id": .string(policy), "policy_number": .string("BENCH-\(policy)"), "transaction_id": .string("\(policy)-tx1"),
                    "sequence": .number("1"), "effective_date": .string("2099-01-31"), "state": .string("CA"), "line_of_business": .string("auto"),
                    "term": .object(["start": .string("2099-01-31"), "end": .string("2100-01-31")]), "currency": .string("USD"),
                    "billing": .object(["frequency": .string("monthly"), "calculation_method": .string("modal")]),
                    "payment_method": .object(["type": .string("card"), "token": .string("tok_success"), "brand": .string("visa"), "last4": .string("4242")]),
                    // accounting-sync needs the policy's terms; without them it dead-lettered every bench event.
                    "carrier_id": .string("CARRIER-1"), "agency_id": .string("AGENCY-1"), "commission_rate": .string("0.12"),
                    "items": .array([
                        item("coverage", "COV-BI", "Bodily injury", "1200.00", "60.00"),
                        item("asset", "VEH-1", "2022 Civic", "450.99", "22.54"),
                        item("participant", "DRV-1", "Pat Doe", "99.01", "4.95"),
                    ]),
                ]),
            ])
        }
    }

    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Card installments collected per second (the collector's whole handler transaction, no broker).",
            discussion: "Runs CardCollectionBenchmark against the live database beside the pgbench single-INSERT baseline. Afterwards removes every bench-* collector row (earlier runs' leftovers too)."
        )
        @Option(help: "Installments to collect.") var installments = 500
        @Option(help: "Threads, each with its own connection as a consumer thread has.") var threads = 2
        @Option(help: "pgbench client connections for the baseline.") var clients = 8
        @Option(help: "pgbench duration in seconds.") var pgbenchSeconds = 10
        @Flag(help: "Leave the bench-* collector rows in the database.") var keepRows = false
        @Flag(help: "Print JSON.") var json = false

        /// Durable commits per card installment: the claim, the sandbox's own books, the outcome.
        static let commitsPerInstallment = 3.0

        func run() throws {
            let environment = try CLIEnvironment()
            let database = try environment.database()
            let collectorRunning = try environment.broker().inspectQueue(CollectorWorker.installmentsQueue.name, channel: 1).consumers > 0
            let tps = try PgbenchBaseline.transactionsPerSecond(databaseURL: environment.configuration.databaseURL, clients: clients, seconds: pgbenchSeconds)
            defer { if !keepRows { try? BenchRows.removeCollections(database) } }
            let result: CardCollectionBenchmark.Result
            do {
                result = try CardCollectionBenchmark.run(installments: installments, threads: threads)
            } catch {
                throw CLIError("\(error)")
            }

            var report = BenchReport(benchmark: "collect", target: nil)
            report.figures = [
                .init(name: "collect", value: result.perSecond, unit: "installments/s", note: "\(installments) card installments, \(threads) thread(s), \(String(format: "%.2f", result.seconds)) s"),
                .init(name: "collect commits", value: result.perSecond * Self.commitsPerInstallment, unit: "commits/s", note: "3 durable commits per installment"),
                .init(name: "pgbench", value: tps, unit: "TPS", note: "1 INSERT per transaction, \(clients) clients, \(pgbenchSeconds) s"),
            ]
            report.ratio = ("collect ÷ pgbench", result.perSecond / tps)
            if BuildConfiguration.name == "debug" { report.notes.append(BuildConfiguration.releaseHint) }
            if collectorRunning {
                report.notes.append("a collector is running: its outbox relay may have published the bench's payment events before cleanup; the scheduler dead-letters those as unknown_policy")
            }
            report.notes.append(keepRows ? "rows kept: collector policies and payments bench-*" : "bench-* collector rows removed")
            report.print(json: json)
        }
    }
}

/// Removes what the benchmarks wrote, so that repeated runs leave the database as they found it.
enum BenchRows {
    /// The intake's schedules and their traces: entries, revisions, inbox records, timeline events,
    /// and the collector's and accounting-sync's copies of the policies (both consume policy.issued).
    static func removeSchedules(prefix: String, _ database: PostgresConnection) throws {
        let pattern = "\(prefix)-%"
        try database.transaction { database in
            for sql in [
                "DELETE FROM scheduler.entry_revisions WHERE policy_id LIKE $1",
                "DELETE FROM scheduler.entries WHERE policy_id LIKE $1",
                "DELETE FROM scheduler.parked_events WHERE policy_id LIKE $1",
                "DELETE FROM scheduler.policies WHERE policy_id LIKE $1",
                "DELETE FROM collector.policies WHERE policy_id LIKE $1",
                "DELETE FROM accounting.installments WHERE policy_id LIKE $1",
                "DELETE FROM accounting.policies WHERE policy_id LIKE $1",
                "DELETE FROM coverpay.payment_events WHERE policy_id LIKE $1",
                "DELETE FROM coverpay.inbox WHERE message_id LIKE $1",
            ] {
                try database.query(sql, [pattern])
            }
        }
    }

    /// Every `bench-*` row CardCollectionBenchmark leaves: sandbox charges, payments, policies,
    /// timeline events, its inbox records and any outbox rows not yet relayed.
    static func removeCollections(_ database: PostgresConnection) throws {
        try database.transaction { database in
            for sql in [
                """
                DELETE FROM sandbox.card_calls WHERE idempotency_key IN
                    (SELECT coalesce(idempotency_key, payment_id) FROM collector.payments WHERE policy_id LIKE 'bench-%')
                """,
                "DELETE FROM collector.payments WHERE policy_id LIKE 'bench-%'",
                "DELETE FROM collector.policies WHERE policy_id LIKE 'bench-%'",
                "DELETE FROM coverpay.payment_events WHERE policy_id LIKE 'bench-%'",
                "DELETE FROM coverpay.inbox WHERE consumer = 'bench'",
                "DELETE FROM coverpay.outbox WHERE producer = 'collector' AND body::jsonb ->> 'subject' LIKE 'bench-%'",
            ] {
                try database.query(sql)
            }
        }
    }
}

/// Waiting for the fleet to reach a count, as the benchmarks that drive it do.
enum BenchPolling {
    /// Polls `current` every `interval` until it reaches `target`; seconds since `since`. Fails
    /// after 30 s without progress.
    static func waitFor(
        _ target: Int, of what: String, since started: ContinuousClock.Instant, every interval: Duration = .milliseconds(20), hint: String,
        current: () throws -> Int
    ) throws -> Double {
        var reached = 0
        var lastProgress = ContinuousClock.now
        while true {
            let now = try current()
            if now >= target { break }
            if now > reached { (reached, lastProgress) = (now, .now) }
            guard ContinuousClock.now - lastProgress < .seconds(30) else {
                throw CLIError("only \(reached) of \(target) \(what) and no progress for 30 s; \(hint)")
            }
            Thread.sleep(forTimeInterval: interval / .seconds(1))
        }
        return (ContinuousClock.now - started) / .seconds(1)
    }

    /// Waits until every worker queue has been empty, and the outbox too, for three polls 100 ms
    /// apart: the fleet has finished what the bench gave it (messages a consumer holds unacked are
    /// not counted by the broker; three polls let such a batch finish).
    static func waitForIdleFleet(_ broker: AMQPConnection, _ database: PostgresConnection, timeout: Duration = .seconds(120)) throws {
        let started = ContinuousClock.now
        var idlePolls = 0
        while idlePolls < 3 {
            let queued = try Catalog.queues.map { try broker.inspectQueue($0.name, channel: 1).messages }.reduce(0, +)
            let outbox: Int = try database.query("SELECT count(*) AS n FROM coverpay.outbox")[0].decode("n")
            idlePolls = queued == 0 && outbox == 0 ? idlePolls + 1 : 0
            guard ContinuousClock.now - started < timeout else {
                throw CLIError("the fleet is still busy after \(timeout): \(queued) message(s) queued, \(outbox) outbox row(s); see `coverpay status`")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Runs a `count(*) AS n` query whose $1 / $2 bound the policy ids of a run. A key range rather
    /// than LIKE so the poll is an index scan (the cluster's collation is C.UTF-8: code-point
    /// order, so `prefix-` … `prefix.` holds exactly the run's ids); a sequential scan every 20 ms
    /// took a share of the server's CPU away from the work measured.
    static func count(_ sql: String, prefix: String, _ database: PostgresConnection) throws -> Int {
        try database.query(sql, ["\(prefix)-", "\(prefix)."])[0].decode("n")
    }
}
