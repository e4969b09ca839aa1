import AMQP
import ArgumentParser
import Fleet
import Foundation
import Postgres
import AccountingSyncWorker
import CollectorWorker
import ReconcilerWorker
import RetrierWorker
import SchedulerWorker

/// The workers the CLI knows about, for topology and status.
enum Catalog {
    static let workers: [WorkerDefinition] = [
        SchedulerWorker.definition, CollectorWorker.definition, RetrierWorker.definition,
        ReconcilerWorker.definition, AccountingSyncWorker.definition,
    ]
    static var queues: [QueueDefinition] { workers.flatMap(\.queues) }
    /// Every queue an operator empties by hand: the workers' DLQs and the unroutable queue.
    static var deadLetterQueues: [String] { queues.map(\.deadLetterQueue) + [Topology.unroutableQueue] }
}

/// Connections and settings for one CLI invocation, from the same environment variables as the workers.
struct CLIEnvironment {
    let configuration: FleetConfiguration

    init() throws {
        configuration = try FleetConfiguration(worker: "coverpay")
    }

    /// The operator's connection (COVERPAY_DATABASE_URL): reads everything, changes no ledger and no
    /// sandbox books (docs/security.md, "Roles and users").
    func database() throws -> PostgresConnection {
        try PostgresConnection(url: configuration.databaseURL)
    }

    /// The migration owner's connection for `coverpay migrate`: COVERPAY_MIGRATION_DATABASE_URL, or
    /// the operator's URL where one login does everything.
    func migrationDatabase() throws -> PostgresConnection {
        try PostgresConnection(url: Self.url("COVERPAY_MIGRATION_DATABASE_URL") ?? configuration.databaseURL)
    }

    /// The sandbox bank's connection (it alone writes `sandbox.*`): COVERPAY_SANDBOX_DATABASE_URL, or
    /// the operator's URL where one login does everything.
    func sandboxDatabase() throws -> PostgresConnection {
        try PostgresConnection(url: Self.url("COVERPAY_SANDBOX_DATABASE_URL") ?? configuration.databaseURL)
    }

    private static func url(_ variable: String) -> String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A broker connection with channel 1 open.
    func broker() throws -> AMQPConnection {
        let connection = try AMQPConnection(AMQPConfiguration(url: configuration.amqpURL))
        try connection.openChannel(1)
        return connection
    }
}

/// A failure the operator can act on: printed as one line, exit code 1, no stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AMQPError: LocalizedError { public var errorDescription: String? { description } }
extension PostgresError: LocalizedError { public var errorDescription: String? { description } }
extension ConfigurationError: LocalizedError { public var errorDescription: String? { description } }
extension CLIError: LocalizedError { var errorDescription: String? { description } }
