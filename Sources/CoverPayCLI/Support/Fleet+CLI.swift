import AMQP
import ArgumentParser
import Fleet
import Foundation
import Postgres
import AccountingSyncWorker
import CollectorWorker
import CoverPayTools
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

    /// The workers `Deploy/local/fleet` started from this checkout (`.local/run/*.pid`).
    func fleetProcesses() -> FleetProcesses {
        FleetProcesses(root: URL(fileURLWithPath: configuration.schemasDirectory).deletingLastPathComponent())
    }

    /// The operator's connection (COVERPAY_DATABASE_URL): reads everything, changes no ledger and no
    /// sandbox books (docs/security.md, "Roles and users").
    func database() throws -> PostgresConnection {
        try PostgresConnection(url: configuration.databaseURL)
    }

    /// The migration owner's connection for `coverpay migrate`.
    func migrationDatabase() throws -> PostgresConnection {
        try database(login: "COVERPAY_MIGRATION_DATABASE_URL")
    }

    /// The sandbox bank's connection (it alone writes `sandbox.*`).
    func sandboxDatabase() throws -> PostgresConnection {
        try database(login: "COVERPAY_SANDBOX_DATABASE_URL")
    }

    /// accounting-sync's connection, for the commands that run its posting code (remittance,
    /// commission sweep, refunds): accounting-sync alone writes the ledger.
    func ledgerDatabase() throws -> PostgresConnection {
        try database(login: "COVERPAY_ACCOUNTING_SYNC_DATABASE_URL")
    }

    /// The connection of another login named by `variable` (or its `_FILE`), or the operator's URL
    /// where one login does everything.
    private func database(login variable: String) throws -> PostgresConnection {
        try PostgresConnection(url: try EnvironmentReader().value(variable) ?? configuration.databaseURL)
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
