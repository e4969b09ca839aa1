import AMQP
import CoverPayCore
import Foundation
import Logging
import Metrics
import Postgres
import Prometheus
import ServiceLifecycle

/// The `main` of every worker executable: reads configuration, checks the database and broker once
/// (a clear line and a non-zero exit when either is unusable), declares the topology, then runs the
/// consumers, jobs, outbox relay and health server until SIGTERM / SIGINT.
public enum WorkerRuntime {
    public static func main(_ definition: WorkerDefinition) async -> Never {
        let configuration: FleetConfiguration
        do {
            configuration = try FleetConfiguration(worker: definition.name, defaultHTTPPort: definition.defaultHTTPPort)
        } catch {
            fail(definition.name, "configuration error: \(error)", code: 2)
        }
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: configuration.logLevel) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: definition.name)
        logger[metadataKey: "worker"] = "\(configuration.workerID)"

        let validators: [String: EventValidator]
        do {
            validators = try preflight(definition, configuration)
        } catch {
            fail(definition.name, "\(error)", code: 1)
        }

        let readiness = Readiness()
        let doorbell = OutboxDoorbell()
        var services: [any Service] = [
            HealthServer(port: UInt16(configuration.httpPort), readiness: readiness, registry: registry),
            BlockingLoopService(loop: OutboxRelay(
                producer: definition.name, configuration: configuration, readiness: readiness, doorbell: doorbell, logger: logger
            )),
        ]
        for job in definition.jobs {
            services.append(BlockingLoopService(loop: ScheduledJobLoop(
                job: job, configuration: configuration, worker: definition.name, readiness: readiness, doorbell: doorbell, logger: logger
            )))
        }
        for handler in definition.handlers {
            for index in 0..<configuration.consumerThreads {
                services.append(BlockingLoopService(loop: ConsumerLoop(
                    name: "consumer:\(handler.queue.name)#\(index)", handler: handler,
                    validator: validators[handler.queue.name]!, configuration: configuration,
                    worker: definition.name, readiness: readiness, doorbell: doorbell, logger: logger
                )))
            }
        }
        // Shutdown runs in reverse order: consumers stop first, then jobs, then the relay flushes.
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        logger.info("starting", metadata: ["queues": "\(definition.queues.map(\.name))", "http_port": "\(configuration.httpPort)"])
        do {
            try await group.run()
        } catch {
            fail(definition.name, "stopped on error: \(error)", code: 1)
        }
        logger.info("stopped")
        exit(0)
    }

    /// Checks what a worker needs before it starts, each failure one sentence naming what is wrong.
    static func preflight(_ definition: WorkerDefinition, _ configuration: FleetConfiguration) throws -> [String: EventValidator] {
        let database = try PostgresConnection(url: configuration.databaseURL)
        let pending = try Migrator(directory: "\(configuration.schemasDirectory)/migrations").pending(database)
        guard pending.isEmpty else {
            throw ConfigurationError(variable: "database", problem: "migrations \(pending.joined(separator: ", ")) are not applied; run `coverpay migrate`")
        }
        let broker = try AMQPConnection(AMQPConfiguration(url: configuration.amqpURL))
        try broker.openChannel(1)
        try Topology.declare(definition.queues, on: broker, channel: 1)
        broker.close()
        var validators: [String: EventValidator] = [:]
        for queue in definition.queues {
            let schemas = try SchemaRegistry.load(types: queue.routingKeys, from: configuration.schemasDirectory)
            validators[queue.name] = EventValidator(schemas: schemas)
        }
        return validators
    }

    static func fail(_ worker: String, _ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(worker): \(message)\n".utf8))
        exit(code)
    }
}
