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
///
/// Without a fault interval it is the fault-free end-to-end drive (`EndToEndRun`): no fault thread,
/// and `dayPause` 0 with a `dailyStep` that waits for the fleet to finish each day.
public struct ChaosRun {
    public struct Settings: Sendable {
        public var policies: Int
        public var days: Int
        public var replicas: Int
        /// Average time between faults; nil: no faults.
        public var faultInterval: Duration?
        public var settleTimeout: Duration
        public var repositoryRoot: URL
        public var achOutboundDirectory: String
        /// How long each simulated day lasts after its `dailyStep`.
        public var dayPause: Duration = .seconds(2)
        /// The book's first billing day; nil: a far-future month of the run's own (chaos runs).
        public var firstDay: CalendarDate?
        /// Policy ids are `<label>-<seed>-<run>-<index>`.
        public var label = "CHAOS"
        /// A RabbitMQ cluster node (1-based) stopped from a third of the days to two thirds
        /// (`services fault node-down`), with the other faults still striking; nil for none.
        public var stoppedNode: Int?

        public init(
            policies: Int, days: Int, replicas: Int, faultInterval: Duration?, settleTimeout: Duration, repositoryRoot: URL, achOutboundDirectory: String,
            stoppedNode: Int? = nil
        ) {
            self.policies = policies
            self.days = days
            self.replicas = replicas
            self.faultInterval = faultInterval
            self.settleTimeout = settleTimeout
            self.repositoryRoot = repositoryRoot
            self.achOutboundDirectory = achOutboundDirectory
            self.stoppedNode = stoppedNode
        }
    }

    public struct Outcome: Sendable {
        public let run: Int
        public let seed: UInt64
        /// The run's policy ids start with this.
        public let prefix: String
        /// The first and last business dates the clock was set to.
        public let firstDay: CalendarDate
        public let lastDay: CalendarDate
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
        let prefix = "\(settings.label)-\(String(seed, radix: 36))-\(number)-"
        // Each run bills its own month of a far-future year, a month earlier than the run before:
        // the clock then never reaches an earlier run's later installments or retries, so a long
        // series stays as fast as its first run and runs never see each other's dues. (NACHA and
        // BAI2 write two-digit years: dates stay before 2100.)
        let start = try settings.firstDay ?? CalendarDate(year: 2088 - number / 12, month: 12 - number % 12, day: 2)
        let book = SandboxBook(prefix: prefix, start: start, count: settings.policies)
        try database.run { try BusinessClock.set(start.adding(days: -3).description, $0) }
        try publishConfirmed(book.issuances.map(AMQPMessage.init(event:)), amqpURL: configuration.amqpURL)

        let timetable = settings.faultInterval.map {
            FaultSchedule.make(
                seed: seed, length: settings.dayPause * settings.days, interval: $0, workers: workers, replicas: settings.replicas,
                brokerRestarts: settings.stoppedNode == nil
            )
        } ?? []
        let injector = FaultInjector(scripts: scripts, timetable: timetable, replicas: settings.replicas)
        let faultThread = Thread { injector.run() }
        faultThread.start()
        let lastDay = start.adding(days: settings.days - 3)
        var nodeOutage: [String] = []
        for offset in 0..<settings.days {
            if let node = settings.stoppedNode, offset == settings.days / 3 {
                try scripts.services(["fault", "node-down", "\(node)"])
                nodeOutage.append("node \(node) down")
            }
            if let node = settings.stoppedNode, offset == settings.days * 2 / 3 {
                try scripts.services(["fault", "node-up", "\(node)"])
                nodeOutage.append("node \(node) up")
            }
            let today = start.adding(days: offset - 2)
            try database.run { try BusinessClock.set(today.description, $0) }
            try database.run { try dailyStep(today, $0) }
            Thread.sleep(forTimeInterval: settings.dayPause.timeInterval)
        }
        injector.finish()
        try scripts.services(["start"])
        try scripts.services(["fault", "broker-up"])
        if let node = settings.stoppedNode { try scripts.services(["fault", "node-up", "\(node)"]) }
        try scripts.fleet(["start", "--replicas", "\(settings.replicas)"])
        let settled = try waitUntilSettled(database, prefix: prefix)
        let findings = try database.run { try ChaosAudit(database: $0, prefix: prefix, achOutboundDirectory: settings.achOutboundDirectory).run() }
        let counts = try database.run {
            try $0.query("""
                SELECT (SELECT count(*) FROM coverpay.payment_events WHERE type = 'coverpay.installment.due' AND policy_id LIKE $1 || '%') AS due,
                       (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%') AS attempts
                """, [prefix])[0]
        }
        let faults = injector.done.map(\.description) + nodeOutage
        progress("run \(number): \(faults.count) faults, \(try counts.decode("due", as: Int.self)) installments due, \(try counts.decode("attempts", as: Int.self)) attempts, \(findings.isEmpty && settled ? "audit passed" : "AUDIT FAILED")")
        return Outcome(
            run: number, seed: seed, prefix: prefix, firstDay: start.adding(days: -2), lastDay: lastDay, faults: faults, installments: try counts.decode("due"),
            attempts: try counts.decode("attempts"), settled: settled,
            findings: (settled ? [] : ["stranded: the fleet did not drain its queues and outbox, or settle its card attempts, within \(settings.settleTimeout)"])
                + injector.problems.map { "harness: \($0)" } + findings.map { "\($0.check): \($0.detail)" }
        )
    }


    /// Nothing ready in any work or delay queue, nothing in the outbox and no card attempt of the run
    /// still pending or unknown (the collector's resolution job settles those by status query a few
    /// seconds later), three checks in a row.
    private func waitUntilSettled(_ database: Reconnecting, prefix: String) throws -> Bool {
        let names = queues.flatMap(Topology.queueNames(of:)).filter { !$0.hasSuffix(".dlq") }
        let deadline = ContinuousClock.now + settings.settleTimeout
        var quiet = 0
        while ContinuousClock.now < deadline {
            let queued = try? AMQPConnection(AMQPConfiguration(url: configuration.amqpURL)).inspectAll(names)
            let unfinished = try? database.run {
                try $0.query("""
                    SELECT (SELECT count(*) FROM coverpay.outbox)
                         + (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%' AND rail = 'card' AND status IN ('pending', 'unknown')) AS n
                    """, [prefix])[0].decode("n", as: Int.self)
            }
            quiet = (queued == 0 && unfinished == 0) ? quiet + 1 : 0
            if quiet >= 3 { return true }
            Thread.sleep(forTimeInterval: 1)
        }
        return false
    }
}

/// Publishes to `coverpay.events` as upstream would, each message under its AMQP type as routing
/// key, and waits for the broker's confirms.
func publishConfirmed(_ messages: [AMQPMessage], amqpURL: String) throws {
    let broker = try AMQPConnection(AMQPConfiguration(url: amqpURL))
    try broker.openChannel(1)
    try broker.enableConfirms(channel: 1)
    for message in messages {
        try broker.publish(message, exchange: Topology.eventsExchange, routingKey: message.type ?? "", channel: 1)
    }
    try broker.waitForConfirms(channel: 1)
}

extension AMQPMessage {
    /// A CloudEvent in structured mode, its id and type as the AMQP message id and type.
    init(event: JSONValue) {
        self.init(body: Array(event.serialized().utf8), messageID: event["id"]?.stringValue, type: event["type"]?.stringValue, contentType: CloudEvent.contentType)
    }
}

extension Duration {
    /// As a number of seconds, for `Thread.sleep`.
    var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
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
    private var failures: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    init(scripts: LocalScripts, timetable: [ScheduledFault], replicas: Int) {
        self.scripts = scripts
        self.timetable = timetable
        self.replicas = replicas
    }

    var done: [Fault] { lock.withLock { made } }
    /// Faults that could not be made or undone: the run's audit reports them (a harness that
    /// silently left the database down would blame the fleet).
    var problems: [String] { lock.withLock { failures } }

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
            Thread.sleep(forTimeInterval: fault.downFor.timeInterval)
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
        case .restartBroker: attempt("making \(fault)", tries: 1) { try scripts.services(["fault", "broker-down"]) }
        case .crashDatabase: attempt("making \(fault)", tries: 1) { try scripts.services(["fault", "db-crash"]) }
        }
    }

    private func undo(_ fault: Fault) {
        switch fault {
        case .killWorker: attempt("restarting after \(fault)", tries: 3) { try scripts.fleet(["start", "--replicas", "\(replicas)"]) }
        case .restartBroker: attempt("undoing \(fault)", tries: 3) { try scripts.services(["fault", "broker-up"]) }
        case .crashDatabase: attempt("undoing \(fault)", tries: 3) { try scripts.services(["fault", "db-up"]) }
        }
    }

    private func attempt(_ what: String, tries: Int, _ body: () throws -> Void) {
        for remaining in (0..<tries).reversed() {
            do {
                return try body()
            } catch {
                if remaining == 0 { lock.withLock { failures.append("\(what) failed: \(error)") } }
                Thread.sleep(forTimeInterval: 2)
            }
        }
    }
}
