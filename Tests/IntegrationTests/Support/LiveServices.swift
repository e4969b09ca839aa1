import AMQP
import AccountingSyncWorker
import CollectorWorker
import CoverPayCore
import Fleet
import Foundation
import Postgres
import ReconcilerWorker
import RetrierWorker
import SchedulerWorker
import Testing

/// The real PostgreSQL and RabbitMQ started by `Deploy/local/services` (via `make test`), and the
/// built binaries. Integration tests fail, not skip, when the services are missing.
enum LiveServices {
    static let environment = ProcessInfo.processInfo.environment

    /// The tests' own connections: the migration owner's (the tests set up and inspect every
    /// worker's tables) and the operator's broker user. Each started worker gets its own login
    /// (`WorkerProcess`), the CLI the operator's (docs/security.md, "Roles and users").
    static var databaseURL: String { environment["COVERPAY_MIGRATION_DATABASE_URL"] ?? operatorDatabaseURL }
    static var operatorDatabaseURL: String { environment["COVERPAY_DATABASE_URL"] ?? FleetConfiguration.defaultDatabaseURL }
    static var amqpURL: String { environment["COVERPAY_AMQP_URL"] ?? FleetConfiguration.defaultAMQPURL }

    /// The environment variable prefix of a worker's own URLs: COVERPAY_ACCOUNTING_SYNC for accounting-sync.
    static func loginVariablePrefix(of worker: String) -> String {
        "COVERPAY_" + worker.replacingOccurrences(of: "-", with: "_").uppercased()
    }

    static let workerNames = [
        SchedulerWorker.definition, CollectorWorker.definition, RetrierWorker.definition,
        ReconcilerWorker.definition, AccountingSyncWorker.definition,
    ].map(\.name)

    /// A worker's own login (`COVERPAY_<WORKER>_DATABASE_URL` / `_AMQP_URL` from `services testbed`),
    /// or the shared URLs where the services hand out one login for all.
    static func workerURLs(_ worker: String) -> (database: String, amqp: String) {
        let prefix = loginVariablePrefix(of: worker)
        return (environment["\(prefix)_DATABASE_URL"] ?? operatorDatabaseURL, environment["\(prefix)_AMQP_URL"] ?? amqpURL)
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where the worker and CLI binaries are: beside the test bundle (any scratch path), or COVERPAY_BIN_DIR.
    static let binaries: URL = {
        if let directory = environment["COVERPAY_BIN_DIR"] { return URL(fileURLWithPath: directory) }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while candidate.path != "/" {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("coverpay").path) { return candidate }
            candidate.deleteLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// A new folder for one test's files (worker logs, NACHA drops, bank files) under the
    /// testbed's `.local/testbed/`, which `Deploy/local/services testbed` empties at the start of
    /// every run: the leak scan after the suites (`coverpay scan leaks`) reads what the whole run wrote.
    static func scratchFolder(_ name: String) -> URL {
        let folder = repositoryRoot.appendingPathComponent(".local/testbed/\(name)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func database() throws -> PostgresConnection {
        try PostgresConnection(url: databaseURL)
    }

    static func broker() throws -> AMQPConnection {
        let connection = try AMQPConnection(AMQPConfiguration(url: amqpURL))
        try connection.openChannel(1)
        try connection.enableConfirms(channel: 1)
        return connection
    }

    /// Migrations and topology once per test process; no fleet started by `Deploy/local/fleet`
    /// may compete with the workers the tests start.
    static let prepared: Void = {
        _ = try? run(repositoryRoot.appendingPathComponent("Deploy/local/fleet").path, ["stop"])
        let migrate = try? coverpay(["migrate"])
        precondition(migrate?.status == 0, "coverpay migrate failed: \(migrate?.stderr ?? "not run")")
        let topology = try? coverpay(["topology", "apply"])
        precondition(topology?.status == 0, "coverpay topology apply failed: \(topology?.stderr ?? "not run")")
    }()

    /// Run before each test: the services prepared, every worker queue (work, delay and
    /// dead-letter) emptied, and the outbox too. A test runs only the workers it needs, so it can
    /// leave messages for the others, e.g. the scheduler's installment.due for a collector it did
    /// not start, queued or still in the outbox when its scheduler stopped; the workers of a later
    /// test must not first work through that backlog.
    static func isolate() throws {
        prepared
        try database().query("DELETE FROM coverpay.outbox")
        let broker = try broker()
        let queues = [
            SchedulerWorker.definition, CollectorWorker.definition, RetrierWorker.definition,
            ReconcilerWorker.definition, AccountingSyncWorker.definition,
        ].flatMap(\.queues)
        for name in queues.flatMap(Topology.queueNames(of:)) {
            try broker.purgeQueue(name)
        }
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    static func coverpay(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        try run(binaries.appendingPathComponent("coverpay").path, arguments, stdin: stdin, environment: extra)
    }

    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = baseEnvironment.merging(extra) { $1 }
        process.currentDirectoryURL = repositoryRoot
        // Files, not pipes: a daemon started by the command (pg_ctl start) would hold a pipe open forever.
        let output = try TemporaryFile(), errors = try TemporaryFile(), input = Pipe()
        process.standardOutput = output.handle
        process.standardError = errors.handle
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let out = output.contents, err = errors.contents
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    static var baseEnvironment: [String: String] {
        var values = environment
        values["COVERPAY_DATABASE_URL"] = operatorDatabaseURL
        values["COVERPAY_AMQP_URL"] = amqpURL
        values["COVERPAY_SCHEMAS_DIR"] = repositoryRoot.appendingPathComponent("Schemas").path
        return values
    }

    /// Publishes CloudEvents (or raw bytes) to coverpay.events with confirms.
    static func publish(_ event: JSONValue) throws {
        try publishRaw(Array(event.serialized().utf8), routingKey: event["type"]!.stringValue!, messageID: event["id"]?.stringValue)
    }

    static func publishRaw(_ body: [UInt8], routingKey: String, messageID: String?) throws {
        let broker = try broker()
        try broker.publish(
            AMQPMessage(body: body, messageID: messageID, type: routingKey, contentType: CloudEvent.contentType),
            exchange: Topology.eventsExchange, routingKey: routingKey, channel: 1
        )
        try broker.waitForConfirms(channel: 1)
    }

    /// Polls until `condition` holds, failing with `message` after `timeout`.
    static func eventually(
        _ message: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out after \(timeout): \(message)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// The integer column `n` of the query's first row.
    static func count(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> Int {
        try database().query(sql, parameters).first?.decode("n", as: Int.self) ?? 0
    }

    /// Runs `Deploy/local/services` through the shell: Foundation's `Process` on Linux waits for
    /// an inherited descriptor to close, which the daemon it may start (postgres) keeps open.
    static func services(_ arguments: [String]) throws {
        let script = repositoryRoot.appendingPathComponent("Deploy/local/services").path
        let log = try TemporaryFile()
        let status = system("'\(script)' \(arguments.joined(separator: " ")) >'\(log.url.path)' 2>&1 </dev/null")
        guard status == 0 else {
            throw FleetTestError("services \(arguments.joined(separator: " ")) failed: \(String(decoding: log.contents, as: UTF8.self))")
        }
    }
}

struct FleetTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A scratch file for a child process's output, removed when done.
final class TemporaryFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("coverpay-test-\(UUID().uuidString)")
    let handle: FileHandle

    init() throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var contents: Data { (try? Data(contentsOf: url)) ?? Data() }
}
