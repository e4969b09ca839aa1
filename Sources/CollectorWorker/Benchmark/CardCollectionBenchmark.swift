import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Card-rail collection rate without the broker: the installment handler's whole transaction
/// (inbox row, lock, plan, claim commit, sandbox charge on its own connection, outcome, outbox)
/// for `installments` new installments of `tok_success` policies, on `threads` threads, each
/// with its own connection as a consumer thread has. For `coverpay bench`; leaves its rows
/// (policies `bench-…`) behind, and its outbox rows for a running collector to relay.
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
        let run = UUID().uuidString.prefix(8).lowercased()
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
        let handler = InstallmentDueHandler(processors: CardProcessors.sandboxes(databaseURL: settings.databaseURL), claims: ConnectionPool())
        let failures = FailureCount()
        let started = ContinuousClock.now
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
                        try handler.handle(event, context: HandlerContext(database: database, worker: CollectorWorker.name, traceID: event.id, logger: Logger(label: "bench")))
                    }
                }
            } catch {
                failures.record("\(error)")
            }
        }
        let elapsed = ContinuousClock.now - started
        if let failure = failures.first { throw RuleFileError("benchmark failed: \(failure)") }
        return Result(
            installments: installments, threads: threads,
            seconds: elapsed / .seconds(1)
        )
    }

    private final class FailureCount: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var first: String?
        func record(_ failure: String) { lock.withLock { if first == nil { first = failure } } }
    }
}
