import AMQP
import CoverPayCore
import Fleet
import Foundation
import Postgres

/// Publishes a seeded batch of hostile messages to every worker queue of a running fleet, waits for
/// the fleet to settle, then audits from the broker and the database (never from the workers' own
/// counters): every message processed (inbox) or dead-lettered with a reason, per queue it reached;
/// every queue still consumed; no planted card number in PostgreSQL, the dead letters or the logs.
///
/// Only for disposable fleets (tests, staging): the messages stay in the dead-letter queues.
public struct FuzzRun {
    public struct Settings: Sendable {
        public var messages: Int
        public var seed: UInt64
        /// How long the fleet may take to process or dead-letter every message.
        public var settleTimeout: Duration
        public var logFiles: [URL]

        public init(messages: Int, seed: UInt64, settleTimeout: Duration, logFiles: [URL]) {
            self.messages = messages
            self.seed = seed
            self.settleTimeout = settleTimeout
            self.logFiles = logFiles
        }
    }

    let database: PostgresConnection
    let broker: AMQPConnection
    let queues: [QueueDefinition]
    let settings: Settings

    public init(database: PostgresConnection, broker: AMQPConnection, queues: [QueueDefinition], settings: Settings) {
        self.database = database
        self.broker = broker
        self.queues = queues
        self.settings = settings
    }

    public func run(progress: (String) -> Void) throws -> FuzzReport {
        let consumersBefore = try consumerCounts()
        if let idle = consumersBefore.first(where: { $0.value == 0 }) {
            throw ToolError("no worker consumes \(idle.key): start the fleet first (Deploy/local/fleet start)")
        }
        let runID = String(format: "%llx", settings.seed)
        var mutator = MessageMutator(runID: "\(runID)-\(UInt32.random(in: 0...UInt32.max))", seed: settings.seed)
        let messages = try publish(&mutator, routingKeys: Array(Set(queues.flatMap(\.routingKeys))).sorted())
        progress("published \(messages.count) messages (seed \(settings.seed)); waiting until each is processed or dead-lettered")
        // A consumer's unacknowledged messages do not show in a queue's depth, so the run is settled
        // only when the audit accounts for every message, not when the queues look empty. Empty
        // queues only say when an audit (which browses every dead letter) is worth its cost.
        let deadline = ContinuousClock.now + settings.settleTimeout
        var report: FuzzReport
        var nextProgress = ContinuousClock.now + .seconds(30)
        while true {
            let queued = try queuedMessages()
            let timedOut = ContinuousClock.now >= deadline
            if ContinuousClock.now >= nextProgress {
                progress("\(queued.map(\.depth).reduce(0, +)) messages still in work and delay queues")
                nextProgress = ContinuousClock.now + .seconds(30)
            }
            if queued.isEmpty || timedOut {
                report = FuzzReport(seed: settings.seed, messages: messages.count)
                try audit(messages, into: &report)
                if report.failures.isEmpty || timedOut {
                    for (queue, depth) in queued { report.failures.append("\(queue) still held \(depth) messages at the timeout") }
                    break
                }
            }
            Thread.sleep(forTimeInterval: 1)
        }
        for (queue, before) in consumersBefore.sorted(by: { $0.key < $1.key }) {
            let after = try broker.inspectQueue(queue, channel: 1).consumers
            if after < before { report.failures.append("\(queue) had \(before) consumers before the run and \(after) after: a worker stopped") }
        }
        try scanForCardNumbers(Set(messages.compactMap(\.plantedCardNumber)), into: &report)
        return report
    }

    /// The work and delay queues that hold messages, by name (dead-letter queues are where messages end).
    private func queuedMessages() throws -> [(queue: String, depth: Int)] {
        try queues.flatMap { queue in Topology.queueNames(of: queue).filter { $0 != queue.deadLetterQueue } }
            .map { ($0, try broker.inspectQueue($0, channel: 1).messages) }
            .filter { $0.depth > 0 }
    }

    private func consumerCounts() throws -> [String: Int] {
        try Dictionary(uniqueKeysWithValues: queues.map { ($0.name, try broker.inspectQueue($0.name, channel: 1).consumers) })
    }

    /// Makes and publishes the messages 200 at a time: made all at once first (deeply nested and
    /// oversize bodies take a while), the idle connection missed its heartbeats on a loaded machine
    /// and the broker closed it.
    private func publish(_ mutator: inout MessageMutator, routingKeys: [String]) throws -> [FuzzMessage] {
        var messages: [FuzzMessage] = []
        for start in stride(from: 0, to: settings.messages, by: 200) {
            let batch = mutator.messages(start..<min(start + 200, settings.messages), routingKeys: routingKeys)
            messages += batch
            for message in batch {
                try broker.publish(
                    AMQPMessage(body: message.body, messageID: message.id, type: message.routingKey, contentType: CloudEvent.contentType),
                    exchange: Topology.eventsExchange, routingKey: message.routingKey, channel: 1
                )
            }
            try broker.waitForConfirms(channel: 1)
        }
        return messages
    }

    /// Each message must be, in every queue its routing key reached, either in that queue's inbox
    /// (processed) or in its dead-letter queue with a reason.
    private func audit(_ messages: [FuzzMessage], into report: inout FuzzReport) throws {
        let ids = messages.map(\.id)
        let browser = DeadLetterBrowser(connection: broker)
        for queue in queues {
            let reached = messages.filter { queue.routingKeys.contains($0.routingKey) }
            guard !reached.isEmpty else { continue }
            let processed = Set(try database.query(
                "SELECT message_id FROM coverpay.inbox WHERE consumer = $1 AND message_id = ANY($2::text[])",
                [queue.name, ids]
            ).map { try $0.decode("message_id", as: String.self) })
            var deadReasons: [String: String] = [:]
            try browser.browse(queue.deadLetterQueue) { letter in
                if letter.id.hasPrefix("fuzz-") { deadReasons[letter.id] = letter.reason }
                return .keep
            }
            var unsettled: [FuzzMessage] = []
            for message in reached {
                if processed.contains(message.id) {
                    report.count(message.mutation, outcome: "processed")
                } else if let reason = deadReasons[message.id], !reason.isEmpty, reason != "unknown" {
                    report.count(message.mutation, outcome: reason)
                } else {
                    unsettled.append(message)
                }
            }
            guard !unsettled.isEmpty else { continue }
            // One line per queue: which kinds of message and which event types, and a few ids to look up.
            let kinds = Dictionary(grouping: unsettled, by: \.mutation.rawValue).mapValues(\.count)
            let types = Dictionary(grouping: unsettled, by: \.routingKey).mapValues(\.count)
            let breakdown = { (counts: [String: Int]) in counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
            report.failures.append(
                "\(unsettled.count) messages reached \(queue.name) but are neither processed nor dead-lettered with a reason"
                    + " (\(breakdown(kinds)); \(breakdown(types)); e.g. \(unsettled.prefix(3).map(\.id).joined(separator: ", ")))"
            )
        }
    }

    /// Looks for every planted number, as written and as bare digits, in every text column of the
    /// database, in every dead letter and in the given log files.
    private func scanForCardNumbers(_ planted: Set<String>, into report: inout FuzzReport) throws {
        guard !planted.isEmpty else { return }
        let needles = Set(planted.flatMap { [$0, $0.filter(\.isNumber)] })
        let corpus = TextCorpus(
            database: database, broker: broker, deadLetterQueues: queues.map(\.deadLetterQueue), files: LocalFiles(logs: settings.logFiles)
        )
        var leaks: [String: Int] = [:]
        let counts = try corpus.visit { location, text in
            if needles.contains(where: text.contains) { leaks[location.source, default: 0] += 1 }
        }
        for (source, hits) in leaks.sorted(by: { $0.key < $1.key }) {
            report.failures.append("a planted card number is unmasked in \(source) (\(hits) rows, messages or lines)")
        }
        report.scannedColumns = counts.columns
        report.scannedLogs = counts.logFiles
    }
}

/// What a fuzz run saw: outcomes per mutation, and every failed check.
public struct FuzzReport: Sendable {
    public let seed: UInt64
    public let messages: Int
    public var outcomes: [FuzzMutation: [String: Int]] = [:]
    public var failures: [String] = []
    public var scannedColumns = 0
    public var scannedLogs = 0

    mutating func count(_ mutation: FuzzMutation, outcome: String) {
        outcomes[mutation, default: [:]][outcome, default: 0] += 1
    }

    public var passed: Bool { failures.isEmpty }

    public var json: JSONValue {
        .object([
            "seed": .number(String(seed)), "messages": .number(String(messages)), "passed": .bool(passed),
            "scanned_columns": .number(String(scannedColumns)), "scanned_logs": .number(String(scannedLogs)),
            "outcomes": .object(Dictionary(uniqueKeysWithValues: outcomes.map { mutation, counts in
                (mutation.rawValue, JSONValue.object(counts.mapValues { .number(String($0)) }))
            })),
            "failures": .array(failures.map(JSONValue.string)),
        ])
    }
}
