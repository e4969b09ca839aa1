import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Card-rail collection rate without the broker: the installment handler's whole transaction
/// (inbox row, lock, plan, claim, outbox) for `installments` new installments of `tok_success`
/// policies, on `threads` threads, each with its own connection as a consumer thread has, while a
/// `CardDispatcher` on its own connection charges them (sandbox books on their own connections)
/// and records the outcomes; timed until every attempt is decided. For `coverpay bench`; leaves
/// its rows (policies `bench-…`) behind, and its outbox rows for a running collector to relay.
public enum CardCollectionBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public let installments: Int
        public let threads: Int
        public let seconds: Double
        public var perSecond: Double { Double(installments) / seconds }
        public var description: String {
            String(format: "%d card installments on %d thread(s) in %.2f s: %.0f/s", installments, threads, seconds, perSecond)
        }
    }

    public static func run(installments: Int = 500, threads: Int = 2) throws -> Result {
        let settings = try CollectorSettings.load()
        let run = String(UUID().uuidString.prefix(8).lowercased())
        let setup = try PostgresConnection(url: settings.databaseURL)
        let card = try SealedPaymentMethod(
            sealing: .object(["type": .string("card"), "token": .string("tok_success"), "brand": .string("visa"), "last4": .string("4242")]),
            with: settings.encryption
        )
        for index in 0..<installments {
            try CollectorPolicyStore.applyIssuance(
                policyID: "bench-\(run)-\(index)", policyNumber: "BENCH-\(index)", state: "TX", lineOfBusiness: "homeowners",
                sequence: 1, paymentMethod: card, setup
            )
        }
        let cards = CardAttempt(processors: CardProcessors.sandboxes(databaseURL: settings.databaseURL, settings: settings.sandboxCard))
        let dispatcher = CardDispatcher(attempt: cards, settings: settings)
        let handler = InstallmentDueHandler(cards: cards, dispatcher: dispatcher)
        let failures = FailureCount()
        let logger = Logger(label: "bench")
        let started = ContinuousClock.now
        let dispatching = Thread {
            do {
                let database = try PostgresConnection(url: settings.databaseURL)
                while failures.first == nil, try decided(run: run, setup: database) < installments {
                    _ = try dispatcher.runOnce(database: database, worker: CollectorWorker.name, logger: logger)
                }
            } catch {
                failures.record("\(error)")
            }
            failures.finish()
        }
        dispatching.start()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            do {
                let database = try PostgresConnection(url: settings.databaseURL)
                for index in stride(from: thread, to: installments, by: threads) {
                    let event = Outbox.makeEvent(type: "coverpay.installment.due", subject: "bench-\(run)-\(index)", data: .object([
                        "policy_id": .string("bench-\(run)-\(index)"), "entry_number": .number("1"), "schedule_date": .string("2099-02-02"),
                        "due_date": .string("2099-02-02"), "amount": .string("123.45"), "currency": .string("USD"),
                    ]), source: "bench")
                    try database.transaction { database in
                        try database.query("INSERT INTO coverpay.inbox (consumer, message_id) VALUES ('bench', $1)", [event.id])
                        try handler.handle(event, context: HandlerContext(database: database, worker: CollectorWorker.name, traceID: event.id, logger: logger))
                    }
                }
            } catch {
                failures.record("\(error)")
            }
        }
        failures.waitUntilFinished()
        let elapsed = ContinuousClock.now - started
        if let failure = failures.first { throw RuleFileError("benchmark failed: \(failure)") }
        return Result(
            installments: installments, threads: threads,
            seconds: elapsed / .seconds(1)
        )
    }

    private static func decided(run: String, setup database: PostgresConnection) throws -> Int {
        try database.query(
            "SELECT count(*) AS n FROM collector.payments WHERE policy_id LIKE $1 AND status NOT IN ('pending', 'unknown')", ["bench-\(run)-%"]
        )[0].decode("n")
    }

    private final class FailureCount: @unchecked Sendable {
        private let condition = NSCondition()
        private var finished = false
        private(set) var first: String?
        func record(_ failure: String) { condition.withLock { if first == nil { first = failure } } }
        func finish() { condition.withLock { finished = true; condition.broadcast() } }
        func waitUntilFinished() { condition.withLock { while !finished { condition.wait() } } }
    }
}
