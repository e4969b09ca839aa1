import Fleet
import Foundation
import Logging
import Postgres

/// Settles card attempts left `unknown` (no answer, e.g. `tok_timeout`) or `pending` with nobody
/// working on them (the collector died mid-attempt and the message went elsewhere) by a status
/// query with the same idempotency key — never a new charge. Attempts whose installment lock is
/// held are in flight and skipped.
struct CardResolutionJob: ScheduledJob {
    let name = "card-resolution"
    let attempt: CardAttempt

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        let candidates = try database.query(
            """
            SELECT payment_id, policy_id, entry_number FROM collector.payments
            WHERE rail = 'card' AND status IN ('pending', 'unknown') AND created_at < now() - make_interval(secs => $1::int / 1000.0)
            ORDER BY created_at LIMIT 50
            """,
            [attempt.settings.cardResolveAfterMilliseconds]
        )
        var resolved = 0
        for row in candidates {
            let paymentID: String = try row.decode("payment_id")
            try database.transaction { database in
                guard try InstallmentLock.tryAcquire(policyID: try row.decode("policy_id"), entryNumber: try row.decode("entry_number"), database),
                      let payment = try PaymentStore.load(paymentID: paymentID, database)
                else { return }
                let context = HandlerContext(database: database, worker: worker, traceID: UUID().uuidString.lowercased(), logger: logger)
                try attempt.resolve(payment, context: context)
                resolved += 1
            }
        }
        return resolved
    }
}
