import Foundation
import Testing

extension FleetTests {
    /// The short fuzz run of `make test` (docs/reliability.md has the long one): one replica of every
    /// worker, hostile messages on every queue, then `coverpay fuzz`'s own audit from the broker and
    /// the database, and its scan of the workers' logs for the planted card numbers.
    @Test("fuzzed messages on every queue: no worker stops, each is processed or dead-lettered with a reason, no card number leaks")
    func fuzzShortRun() async throws {
        let logs = LiveServices.scratchFolder("logs/fuzz-\(UUID().uuidString.prefix(8))")
        // Two attempts: a message failing transiently (an installment of an unknown policy) reaches
        // its dead-letter queue after one 1 s delay instead of the production ladder.
        let workers = try ["scheduler", "collector", "retrier", "reconciler", "accounting-sync"].map {
            try WorkerProcess($0, environment: ["COVERPAY_MAX_ATTEMPTS": "2"], logDirectory: logs)
        }
        for worker in workers { try await worker.waitUntilReady() }
        let seed = UInt64.random(in: 1...1_000_000)
        let result = try LiveServices.coverpay(["fuzz", "--messages", "300", "--seed", "\(seed)", "--timeout", "120", "--log-dir", logs.path])
        #expect(result.status == 0, "coverpay fuzz --seed \(seed) failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("fuzz: passed (300 messages"), "\(result.stdout)")
        for worker in workers {
            #expect(worker.isRunning, "\(worker.name) stopped during the fuzz run:\n\(worker.log.suffix(2000))")
            try await worker.terminate()
        }
    }
}
