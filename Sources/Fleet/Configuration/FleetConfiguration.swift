import Foundation
import Logging

/// Everything a worker or the CLI reads from its environment, with local defaults that match
/// `Deploy/local/services`. Documented in the README's configuration table. Each variable may
/// instead name a file with `_FILE` appended (`COVERPAY_DATABASE_URL_FILE`), see `EnvironmentReader`.
public struct FleetConfiguration: Sendable {
    public var databaseURL: String
    public var amqpURL: String
    public var httpPort: Int
    public var workerID: String
    public var prefetch: UInt16
    public var consumerThreads: Int
    public var batchSize: Int
    public var batchLinger: Duration
    public var maxAttempts: Int
    public var logLevel: Logger.Level
    public var schemasDirectory: String
    public var outboxBatchSize: Int
    public var scanInterval: Duration

    public static let defaultDatabaseURL = "postgresql://coverpay:coverpay@127.0.0.1:61432/coverpay"
    public static let defaultAMQPURL = "amqp://coverpay:coverpay@127.0.0.1:61672/coverpay"

    public init(worker: String, defaultHTTPPort: Int = 0, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        databaseURL = try reader.value("COVERPAY_DATABASE_URL") ?? Self.defaultDatabaseURL
        amqpURL = try reader.value("COVERPAY_AMQP_URL") ?? Self.defaultAMQPURL
        httpPort = try reader.integer("COVERPAY_HTTP_PORT", default: defaultHTTPPort, range: 0...65535)
        workerID = try reader.value("COVERPAY_WORKER_ID") ?? "\(worker)-\(ProcessInfo.processInfo.processIdentifier)"
        prefetch = UInt16(try reader.integer("COVERPAY_PREFETCH", default: 32, range: 1...1000))
        consumerThreads = try reader.integer("COVERPAY_CONSUMERS", default: 2, range: 1...64)
        batchSize = try reader.integer("COVERPAY_BATCH", default: 20, range: 1...1000)
        batchLinger = .milliseconds(try reader.integer("COVERPAY_BATCH_LINGER_MS", default: 0, range: 0...1000))
        maxAttempts = try reader.integer("COVERPAY_MAX_ATTEMPTS", default: 5, range: 1...100)
        outboxBatchSize = try reader.integer("COVERPAY_OUTBOX_BATCH", default: 200, range: 1...5000)
        scanInterval = .milliseconds(try reader.integer("COVERPAY_SCAN_INTERVAL_MS", default: 500, range: 10...600_000))
        let level = try reader.value("COVERPAY_LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ConfigurationError(variable: "COVERPAY_LOG_LEVEL", problem: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsed
        if let directory = try reader.value("COVERPAY_SCHEMAS_DIR") { schemasDirectory = directory } else { schemasDirectory = try ProjectFiles.locateSchemas() }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String

    public var description: String { "\(variable): \(problem)" }
}
