import AMQP
import CoverPayCore
import Fleet
import Foundation
import Postgres

/// Drives a book through billing days on the business clock while faults strike the fleet on a
/// seeded timetable, then lets the fleet recover and audits (`ChaosAudit`). Needs the local services
/// and fleet scripts (`Deploy/local/services`, `Deploy/local/fleet`): it kills, stops and restarts
/// what they started. Only for disposable local fleets.
///
/// Per run: 1. the fleet is started with `replicas` per worker; 2. the book is published and the
/// clock set to its first day; 3. a fault thread works through the timetable while the main thread
/// advances the clock a day at a time (and runs `dailyStep`, e.g. the sandbox bank); 4. every fault
/// is undone (services and fleet started again, idempotently); 5. the run waits until nothing is
/// queued, in a delay queue or in the outbox; 6. the audit.
public struct ChaosRun {
    public struct Settings: Sendable {
        public var policies: Int
        public var days: Int
        public var replicas: Int
        public var faultInterval: Duration
        public var settleTimeout: Duration
        public var repositoryRoot: URL
        public var achOutboundDirectory: String

        public init(policies: Int, days: Int, replicas: Int, faultInterval: Duration, settleTimeout: Duration, repositoryRoot: URL, achOutboundDirectory: String) {
            self.policies = policies
            self.days = days
            self.replicas = replicas
            self.faultInterval = faultInterval
            self.settleTimeout = settleTimeout
            self.repositoryRoot = repositoryRoot
            self.achOutboundDirectory = achOutboundDirectory
        }
    }

    public struct Outcome: Sendable {
        public let run: Int
        public let seed: UInt64
        public let faults: [String]
        public let installments: Int
        public let attempts: Int
        public let settled: Bool
        public let findings: [String]
        public var passed: Bool { settled && findings.isEmpty }
    }

    let configuration: FleetConfiguration
    let queues: [QueueDefinition]
    let workers: [String]
    let settings: Settings
    /// Work for each simulated day after the clock moves (the sandbox bank's settlement). It may be
    /// run again after a database crash, so it must be idempotent.
    let dailyStep: (CalendarDate, PostgresConnection) throws -> Void

    public init(
        configuration: FleetConfiguration, queues: [QueueDefinition], workers: [String], settings: Settings,
        dailyStep: @escaping (CalendarDate, PostgresConnection) throws -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        self.queues = queues
        self.workers = workers
        self.settings = settings
        self.dailyStep = dailyStep
    }

    public func run(number: Int, seed: UInt64, progress: (String) -> Void) throws -> Outcome {
        let scripts = LocalScripts(root: settings.repositoryRoot)
        try scripts.fleet(["start", "--replicas", "\(settings.replicas)"])
        let database = Reconnecting(url: configuration.databaseURL)
        let prefix = "CHAOS-\(String(seed, radix: 36))-\(number)-"
        // Each run bills its own month of a far-future year, so runs never see each other's dues.
        let start = try CalendarDate(year: 2090 + number / 12, month: 1 + number % 12, day: 2)
        let book = SandboxBook(prefix: prefix, start: start, count: settings.policies)
        try database.run { try BusinessClock.set(start.adding(days: -3).description, $0) }
        try publish(book.issuances)

        let timetable = FaultSchedule.make(
            seed: seed, length: .seconds(Int64(settings.days) * 2), interval: settings.faultInterval,
            workers: workers, replicas: settings.replicas
        )
        let injector = FaultInjector(scripts: scripts, timetable: timetable, replicas: settings.replicas)
        let faultThread = Thread { injector.run() }
        faultThread.start()
        for offset in 0..<settings.days {
            let today = start.adding(days: offset - 2)
            try database.run { try BusinessClock.set(today.description, $0) }
            try database.run { try dailyStep(today, $0) }
            Thread.sleep(forTimeInterval: 2)
        }
        injector.finish()
        try scripts.services(["start"])
        try scripts.services(["fault", "broker-up"])
        try scripts.fleet(["start", "--replicas", "\(settings.replicas)"])
        let settled = try waitUntilSettled(database)
        let findings = try database.run { try ChaosAudit(database: $0, prefix: prefix, achOutboundDirectory: settings.achOutboundDirectory).run() }
        let counts = try database.run {
            try $0.query("""
                SELECT (SELECT count(*) FROM coverpay.payment_events WHERE type = 'coverpay.installment.due' AND policy_id LIKE $1 || '%') AS due,
                       (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%') AS attempts
                """, [prefix])[0]
        }
        progress("run \(number): \(injector.done.count) faults, \(try counts.decode("due", as: Int.self)) installments due, \(try counts.decode("attempts", as: Int.self)) attempts, \(findings.isEmpty && settled ? "audit passed" : "AUDIT FAILED")")
        return Outcome(
            run: number, seed: seed, faults: injector.done.map(\.description), installments: try counts.decode("due"),
            attempts: try counts.decode("attempts"), settled: settled,
            findings: (settled ? [] : ["stranded: the fleet did not drain its queues and outbox within \(settings.settleTimeout)"])
                + findings.map { "\($0.check): \($0.detail)" }
        )
    }

    private func publish(_ events: [JSONValue]) throws {
        let broker = try AMQPConnection(AMQPConfiguration(url: configuration.amqpURL))
        try broker.openChannel(1)
        try broker.enableConfirms(channel: 1)
        for event in events {
            try broker.publish(
                AMQPMessage(body: Array(event.serialized().utf8), messageID: event["id"]?.stringValue, type: event["type"]?.stringValue, contentType: CloudEvent.contentType),
                exchange: Topology.eventsExchange, routingKey: event["type"]?.stringValue ?? "", channel: 1
            )
        }
        try broker.waitForConfirms(channel: 1)
    }

    /// Nothing ready in any work or delay queue and nothing in the outbox, three checks in a row.
    private func waitUntilSettled(_ database: Reconnecting) throws -> Bool {
        let names = queues.flatMap(Topology.queueNames(of:)).filter { !$0.hasSuffix(".dlq") }
        let deadline = ContinuousClock.now + settings.settleTimeout
        var quiet = 0
        while ContinuousClock.now < deadline {
            let queued = try? AMQPConnection(AMQPConfiguration(url: configuration.amqpURL)).inspectAll(names)
            let outbox = try? database.run { try $0.query("SELECT count(*) AS n FROM coverpay.outbox")[0].decode("n", as: Int.self) }
            quiet = (queued == 0 && outbox == 0) ? quiet + 1 : 0
            if quiet >= 3 { return true }
            Thread.sleep(forTimeInterval: 1)
        }
        return false
    }
}

extension AMQPConnection {
    /// Ready messages summed over the named queues.
    func inspectAll(_ names: [String]) throws -> Int {
        try openChannel(1)
        return try names.map { try inspectQueue($0, channel: 1).messages }.reduce(0, +)
    }
}

/// A database connection for a driver that outlives database crashes: a statement that finds the
/// connection lost reconnects and tries again, for up to a minute.
final class Reconnecting: @unchecked Sendable {
    let url: String
    private var connection: PostgresConnection?

    init(url: String) {
        self.url = url
    }

    func run<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                let database = try connection ?? PostgresConnection(url: url)
                connection = database
                return try body(database)
            } catch let error as PostgresError where error.isRetriable && ContinuousClock.now < deadline {
                connection = nil
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }
}

/// Works through a fault timetable on its own thread: each fault is made, held for its duration,
/// and undone; `finish` stops it after the fault in progress is undone.
final class FaultInjector: @unchecked Sendable {
    let scripts: LocalScripts
    let timetable: [ScheduledFault]
    let replicas: Int
    private let lock = NSLock()
    private var stopped = false
    private var made: [Fault] = []
    private let finished = DispatchSemaphore(value: 0)

    init(scripts: LocalScripts, timetable: [ScheduledFault], replicas: Int) {
        self.scripts = scripts
        self.timetable = timetable
        self.replicas = replicas
    }

    var done: [Fault] { lock.withLock { made } }

    func run() {
        defer { finished.signal() }
        let began = ContinuousClock.now
        for fault in timetable {
            while ContinuousClock.now < began + fault.at {
                if lock.withLock({ stopped }) { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if lock.withLock({ stopped }) { return }
            make(fault.fault)
            Thread.sleep(forTimeInterval: Double(fault.downFor.components.seconds) + Double(fault.downFor.components.attoseconds) / 1e18)
            undo(fault.fault)
            lock.withLock { made.append(fault.fault) }
        }
    }

    func finish() {
        lock.withLock { stopped = true }
        finished.wait()
    }

    private func make(_ fault: Fault) {
        switch fault {
        case .killWorker(let id): scripts.kill9(worker: id)
        case .restartBroker: try? scripts.services(["fault", "broker-down"])
        case .crashDatabase: try? scripts.services(["fault", "db-crash"])
        }
    }

    private func undo(_ fault: Fault) {
        switch fault {
        case .killWorker: try? scripts.fleet(["start", "--replicas", "\(replicas)"])
        case .restartBroker: try? scripts.services(["fault", "broker-up"])
        case .crashDatabase: try? scripts.services(["fault", "db-up"])
        }
    }
}
