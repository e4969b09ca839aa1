import AMQP
import AccountingSyncWorker
import CollectorWorker
import CoverPayCore
import Fleet
import Foundation
import ReconcilerWorker
import RetrierWorker
import SchedulerWorker
import Testing

/// Everything that runs workers against the live services, serialised: the workers share queues.
/// The tests of each capability live in extensions in their own files.
@Suite("Live fleet", .serialized)
struct FleetTests {
    init() throws {
        try LiveServices.isolate()
    }
}

extension FleetTests {
    @Test("the five workers start, declare their queues, report ready and exit 0 within 10 s of SIGTERM")
    func lifecycle() async throws {
        let names = ["scheduler", "collector", "retrier", "reconciler", "accounting-sync"]
        let workers = try names.map { try WorkerProcess($0) }
        for worker in workers { try await worker.waitUntilReady() }
        for worker in workers {
            #expect(await worker.status(of: "/health/live") == 200, "\(worker.name) live")
            #expect(await worker.status(of: "/metrics") == 200, "\(worker.name) metrics")
        }
        let broker = try LiveServices.broker()
        let definitions = [
            SchedulerWorker.definition, CollectorWorker.definition, RetrierWorker.definition,
            ReconcilerWorker.definition, AccountingSyncWorker.definition,
        ]
        let declared = Set(definitions.flatMap(\.queues).flatMap { [$0.name, $0.deadLetterQueue] })
        for queue in declared {
            #expect(throws: Never.self, "queue \(queue) exists") { try broker.inspectQueue(queue, channel: 1) }
        }
        #expect(try broker.inspectQueue(SchedulerWorker.queue.name, channel: 1).consumers >= 1)
        for worker in workers {
            let took = try await worker.terminate()
            #expect(took < .seconds(10), "\(worker.name) took \(took) to stop")
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0, "\(worker.name) exit status \(worker.terminationStatus)\n\(worker.log)")
        }
    }

    @Test("an unusable broker, database or URL at start gives one clear line and a non-zero exit", arguments: [
        ("COVERPAY_AMQP_URL", "amqp://coverpay:secretpw@127.0.0.1:1/coverpay", "cannot reach the broker"),
        ("COVERPAY_DATABASE_URL", "postgresql://coverpay:secretpw@127.0.0.1:1/coverpay", "cannot connect to postgresql://coverpay:***@127.0.0.1:1/coverpay"),
        ("COVERPAY_DATABASE_URL", "mysql://nope", "expected postgresql://user:password@host:port/database"),
        ("COVERPAY_AMQP_URL", "not a url", "expected amqp://user:password@host:port/vhost"),
    ])
    func startupFailures(variable: String, value: String, expected: String) throws {
        let result = try LiveServices.run(
            LiveServices.binaries.appendingPathComponent("scheduler").path, [], environment: [variable: value, "COVERPAY_HTTP_PORT": "0"]
        )
        let lines = result.stderr.split(separator: "\n")
        #expect(result.status != 0)
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("scheduler: ") && result.stderr.contains(expected), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("secretpw"))
    }
}

/// Reads a counter from a worker's Prometheus text, summed over the lines that contain every filter.
func metric(_ worker: WorkerProcess, _ name: String, _ filters: [String]) async -> Double {
    await worker.body(of: "/metrics").split(separator: "\n")
        .filter { $0.hasPrefix(name) && filters.allSatisfy($0.contains) }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        .reduce(0, +)
}
