import AccountingSyncWorker
import AMQP
import ArgumentParser
import CollectorWorker
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation
import Postgres
import SchedulerWorker

extension BenchCommand {
    /// A billing day through the running fleet (docs/benchmarks.md): a book whose first
    /// installments all fall due on one business date, card and ACH; the clock is set to that date
    /// and the fleet takes each installment from due to outcome — charged (and marked paid, and
    /// journaled when accounting-sync runs) or sent in a NACHA file.
    struct BillingDay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "billing-day",
            abstract: "Installments per second from due to charged / sent through the running fleet, beside the lifecycle's pgbench.",
            discussion: """
                Needs a fleet started by Deploy/local/fleet on a database where nothing else falls due by \(businessDate) \
                (a testbed). The sandbox card latency is the collectors' own COVERPAY_SANDBOX_CARD_LATENCY_MS: start the \
                fleet with it (`COVERPAY_SANDBOX_CARD_LATENCY_MS=300 Deploy/local/fleet start`); --latency-ms checks it. \
                The business clock is set to \(businessDate) and put back afterwards; the book's rows stay.
                """
        )
        @Option(help: "Policies in the book: one installment each falls due (every third pays by ACH).") var policies = 1000
        @Option(help: "The sandbox card latency (ms) the fleet must be running with.") var latencyMs: Int?
        @Option(help: "pgbench client connections for the baseline.") var clients = 8
        @Option(help: "pgbench duration in seconds.") var pgbenchSeconds = 10
        @Flag(help: "Print JSON.") var json = false

        /// A Tuesday far from real time, so no real-time clock reaches the book's later installments.
        static let businessDate = "2090-01-03"

        func validate() throws {
            guard policies >= 1 else { throw ValidationError("--policies must be at least 1") }
            if let latencyMs, latencyMs < 0 { throw ValidationError("--latency-ms must not be negative") }
        }

        func run() throws {
            let environment = try CLIEnvironment()
            let configuration = environment.configuration
            let broker = try environment.broker()
            for queue in [SchedulerWorker.queue.name, CollectorWorker.installmentsQueue.name] where try broker.inspectQueue(queue, channel: 1).consumers == 0 {
                throw CLIError("no worker consumes \(queue); start the fleet: `Deploy/local/fleet start`")
            }
            let journaling = try broker.inspectQueue(AccountingSyncWorker.queue.name, channel: 1).consumers > 0
            let fleet = environment.fleetProcesses().running()
            let collectors = fleet.filter { $0.id.hasPrefix("\(CollectorWorker.name)-") }.map { FleetProcesses.environment($0.pid) }
            guard !collectors.isEmpty else { throw CLIError("no collector started by Deploy/local/fleet is running (.local/run/collector-*.pid)") }
            let latencies = Set(collectors.map { Int($0["COVERPAY_SANDBOX_CARD_LATENCY_MS"] ?? "") ?? 0 })
            guard latencies.count == 1, let latency = latencies.first else {
                throw CLIError("the collectors run with different COVERPAY_SANDBOX_CARD_LATENCY_MS (\(latencies.sorted())); restart the fleet")
            }
            if let latencyMs, latencyMs != latency {
                throw CLIError("the running collectors have COVERPAY_SANDBOX_CARD_LATENCY_MS=\(latency), not \(latencyMs): `Deploy/local/fleet stop; COVERPAY_SANDBOX_CARD_LATENCY_MS=\(latencyMs) Deploy/local/fleet start`")
            }
            let inFlight = collectors.map { Int($0["COVERPAY_COLLECTOR_CARD_INFLIGHT"] ?? "") ?? CollectorSettings.defaultCardInFlight }.reduce(0, +)
            let database = try environment.database()
            let others = try database.query(
                "SELECT count(*) AS n FROM scheduler.entries WHERE status = 'Valid' AND NOT is_paid AND due_published_at IS NULL AND total_cents > 0 AND due_date <= $1::date",
                [Self.businessDate]
            )[0].decode("n", as: Int.self)
            guard others == 0 else {
                throw CLIError("\(others) open installments of other policies fall due by \(Self.businessDate); run on a testbed: `eval \"$(Deploy/local/services testbed)\"`, migrate, topology apply, fleet start")
            }

            let lifecycle = try PgbenchBaseline.throughput(
                databaseURL: configuration.databaseURL, clients: clients, seconds: pgbenchSeconds, workload: .billingLifecycle
            )
            let tps = lifecycle.tps

            let run = "bench-bd\(UUID().uuidString.prefix(6).lowercased())"
            let book = SandboxBook.approving(prefix: "\(run)-", start: try CalendarDate(iso: Self.businessDate), count: policies)
            let cards = (0..<policies).filter { $0 % 3 != 2 }.count
            let issuances = book.issuances.map { Array($0.serialized().utf8) }
            try broker.enableConfirms(channel: 1)
            try publishConfirmed(count: policies, on: broker, exchange: Topology.eventsExchange, routingKey: "coverpay.policy.issued") {
                AMQPMessage(body: issuances[$0], messageID: "\(book.policyID($0))-issued", type: "coverpay.policy.issued", contentType: CloudEvent.contentType)
            }
            _ = try Intake.waitForSchedules(prefix: run, count: policies, since: .now, database)
            _ = try BenchPolling.waitFor(policies, of: "policies known to the collector", since: .now, hint: "see the collector's log") {
                try BenchPolling.count("SELECT count(*) AS n FROM collector.policies WHERE policy_id > $1 AND policy_id < $2", prefix: run, database)
            }

            let memory = MemorySampler(processes: fleet)
            let frozen = try BusinessClock.frozenDate(database)
            defer { try? frozen.map { try BusinessClock.set($0, database) } ?? BusinessClock.reset(database) }
            let ((paidSeconds, journaledSeconds), cpu) = try CPUAccount.measure(fleet: fleet) {
                let started = ContinuousClock.now
                try BusinessClock.set(Self.businessDate, database)
                let hint = "see `coverpay status` and the workers' logs"
                // The rate and the percentiles come from the rows' timestamps, so the polls can be
                // sparse: at 20 ms the outcome count alone took a fifth of PostgreSQL's CPU in the run.
                let poll = Duration.milliseconds(250)
                _ = try BenchPolling.waitFor(policies, of: "installments charged or sent", since: started, every: poll, hint: hint) {
                    try BenchPolling.count(Self.outcomes, prefix: run, database)
                }
                let paidSeconds = try BenchPolling.waitFor(cards, of: "card installments marked paid", since: started, every: poll, hint: hint) {
                    try BenchPolling.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id > $1 AND policy_id < $2 AND is_paid", prefix: run, database)
                }
                let journaledSeconds = try journaling ? BenchPolling.waitFor(cards, of: "card payments journaled", since: started, every: poll, hint: hint) {
                    try BenchPolling.count(
                        "SELECT count(*) AS n FROM ledger.journal_entries WHERE policy_id > $1 AND policy_id < $2 AND event_type = 'coverpay.payment.succeeded'",
                        prefix: run, database
                    )
                } : nil
                // Every installment's whole cost is spent once the fleet is idle again.
                try BenchPolling.waitForIdleFleet(broker, database)
                return (paidSeconds, journaledSeconds)
            }
            let peaks = memory.stop()
            let timing = try database.query(Self.timing, ["\(run)-", "\(run)."])[0]
            func number(_ column: String) throws -> Double {
                let text: String = try timing.decode(column)
                guard let value = Double(text) else { throw CLIError("\(column): '\(text)' is not a number") }
                return value
            }
            let seconds = try number("seconds")
            let rate = Double(policies) / seconds

            var report = BenchReport(benchmark: "billing-day", target: "≥ 1.0× the lifecycle pgbench (and, at 300 ms, ≥ 0.9× the same bench at 0 ms: compare two runs)")
            report.figures = [
                .init(name: "billing day", value: rate, unit: "installments/s", note: "\(policies) due (\(cards) card, \(policies - cards) ACH) → charged / in a written NACHA file in \(String(format: "%.2f", seconds)) s, card latency \(latency) ms"),
                .init(name: "due → outcome p50", value: try number("p50"), unit: "ms", note: "installment.due published → outcome recorded (card) / file written (ACH)"),
                .init(name: "due → outcome p99", value: try number("p99"), unit: "ms"),
                .init(name: "due → attempted p99", value: try number("attempted_p99"), unit: "ms", note: "installment.due published → attempt claimed (payment.attempted written)"),
                .init(name: "claimed → charged p50", value: try number("charged_p50"), unit: "ms", note: "card attempt claimed → outcome recorded: the processor's latency plus the dispatcher's wait"),
                .init(name: "claimed → charged p99", value: try number("charged_p99"), unit: "ms"),
                .init(name: "card marked paid", value: paidSeconds, unit: "s", note: "clock set → every card entry marked paid by the scheduler (polled every 250 ms)"),
                .init(name: "pgbench lifecycle", value: tps, unit: "TPS", note: "payment insert + outcome, entry paid, 4-line journal entry, 3 outbox rows; 1 transaction, \(clients) clients, \(pgbenchSeconds) s"),
            ]
            if let journaledSeconds {
                report.figures.append(.init(name: "card journaled", value: journaledSeconds, unit: "s", note: "clock set → every card payment journaled by accounting-sync (polled every 250 ms)"))
            } else {
                report.notes.append("accounting-sync is not running: journaling not measured")
            }
            if latency > 0 {
                let bound = Double(inFlight) / (Double(latency) / 1000)
                report.figures.append(.init(name: "latency bound", value: bound, unit: "charges/s", note: "\(inFlight) card requests in flight across \(collectors.count) collector(s) ÷ \(latency) ms"))
                report.notes.append(String(format: "card rate ÷ latency bound = %.2f", Double(cards) / seconds / bound))
            }
            for (id, bytes) in peaks {
                report.figures.append(.init(name: "RSS \(id)", value: Double(bytes) / 1_048_576, unit: "MiB", note: "peak during the run (/proc VmRSS every 250 ms)"))
            }
            if let cpu {
                report.addCPU(cpu, units: policies, unit: "installment", during: "from the clock's change until every worker was idle")
                report.addCPUBound(fleet: cpu, units: policies, unit: "installment", rate: rate, pgbench: lifecycle)
            }
            report.ratio = ("billing day ÷ pgbench lifecycle", rate / tps)
            report.targetMet = rate >= tps
            if BuildConfiguration.name == "debug" { report.notes.append(BuildConfiguration.releaseHint) }
            report.notes.append("rows kept: policies \(run)-*; the clock is back to \(frozen ?? "real time")")
            report.print(json: json)
        }

        /// Installments with an outcome: card attempts decided, ACH debits in a written file.
        static let outcomes = """
            SELECT count(*) AS n FROM collector.payments p LEFT JOIN collector.ach_files f ON f.id = p.ach_file_id
            WHERE p.policy_id > $1 AND p.policy_id < $2
              AND ((p.rail = 'card' AND p.status NOT IN ('pending', 'unknown')) OR (p.rail = 'ach' AND f.written_at IS NOT NULL))
            """

        /// From the clock's change to the last outcome; due → outcome / attempted and, for cards,
        /// claimed → outcome percentiles (ms).
        static let timing = """
            SELECT extract(epoch FROM max(t.done) - (SELECT changed_at FROM coverpay.business_clock))::float8 AS seconds,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.done - t.due) * 1000) AS p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM t.done - t.due) * 1000) AS p99,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM t.claimed - t.due) * 1000) AS attempted_p99,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.done - t.claimed) * 1000) FILTER (WHERE t.rail = 'card') AS charged_p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM t.done - t.claimed) * 1000) FILTER (WHERE t.rail = 'card') AS charged_p99
            FROM (SELECT e.due_published_at AS due, p.created_at AS claimed, p.rail,
                         CASE WHEN p.rail = 'card' THEN p.decided_at ELSE f.written_at END AS done
                  FROM collector.payments p JOIN scheduler.entries e USING (policy_id, entry_number)
                  LEFT JOIN collector.ach_files f ON f.id = p.ach_file_id
                  WHERE p.policy_id > $1 AND p.policy_id < $2) t
            """
    }
}

/// Peak resident memory of each fleet process, sampled on a thread of its own until `stop`.
final class MemorySampler: @unchecked Sendable {
    private let condition = NSCondition()
    private var peaks: [String: Int] = [:]
    private var stopped = false
    private var done = false

    init(processes: [(id: String, pid: Int32)]) {
        Thread.detachNewThread { [self] in
            while condition.withLock({ !stopped }) {
                for process in processes {
                    guard let bytes = FleetProcesses.residentBytes(process.pid) else { continue }
                    condition.withLock { peaks[process.id] = max(peaks[process.id] ?? 0, bytes) }
                }
                condition.withLock { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.25)) }
            }
            condition.withLock {
                done = true
                condition.broadcast()
            }
        }
    }

    /// Stops sampling; the peak per process id, sorted by id.
    func stop() -> [(String, Int)] {
        condition.withLock {
            stopped = true
            condition.broadcast()
            while !done { condition.wait() }
            return peaks.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }
}
