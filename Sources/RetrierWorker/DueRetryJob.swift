import CoverPayCore
import Fleet
import Logging
import Postgres

/// Presents each scheduled retry to the collector once its date is reached on the business clock:
/// 1. in one transaction, the due rows of `retrier.retries` are claimed `FOR UPDATE SKIP LOCKED`
///    (a replica running the same job skips them and takes others);
/// 2. for each, `installment.due` (the scheduler's data plus `attempt`, `retry_of`, `reason`) is
///    written to the outbox and the row marked `published`, in that same transaction;
/// 3. the commit makes both durable together; the relay publishes after it.
/// A crash before 3 leaves the row `scheduled` and nothing in the outbox: the next run publishes
/// it. After 3 the row is never claimed again. The collector's per-attempt idempotency key makes
/// even a duplicate delivery of the published event charge once.
struct DueRetryJob: ScheduledJob {
    let name = "due-retries"
    let batchSize = 100

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database in
            let rows = try database.query(
                """
                SELECT r.policy_id, r.entry_number, r.attempt, r.retry_of, r.reason, r.rule, i.status, i.due_data::text AS due_data
                FROM retrier.retries r JOIN retrier.installments i USING (policy_id, entry_number)
                WHERE r.status = 'scheduled' AND r.retry_on <= coverpay.business_date()
                ORDER BY r.retry_on, r.policy_id, r.entry_number, r.attempt
                LIMIT $1
                FOR UPDATE OF r SKIP LOCKED
                """,
                [batchSize]
            )
            for row in rows {
                let policyID: String = try row.decode("policy_id")
                let entryNumber: Int = try row.decode("entry_number")
                let attempt: Int = try row.decode("attempt")
                guard try row.decode("status", as: String.self) == "retrying" else {
                    try mark(database, policyID, entryNumber, attempt, status: "cancelled", reason: "installment no longer in retry")
                    continue
                }
                var data = try JSONValue.parse(Array(try row.decode("due_data", as: String.self).utf8)).objectValue ?? [:]
                data["attempt"] = .number("\(attempt)")
                data["retry_of"] = .string(try row.decode("retry_of"))
                data["reason"] = .string(try row.decode("reason"))
                data["retry_rule"] = .string(try row.decode("rule"))
                let event = Outbox.makeEvent(type: "coverpay.installment.due", subject: policyID, data: .object(data), source: worker)
                try Outbox.enqueue(event, producer: worker, traceID: event.id, on: database)
                try mark(database, policyID, entryNumber, attempt, status: "published", reason: nil)
                try database.query(
                    "UPDATE retrier.installments SET last_attempt = greatest(last_attempt, $3) WHERE policy_id = $1 AND entry_number = $2",
                    [policyID, entryNumber, attempt]
                )
            }
            if !rows.isEmpty { logger.info("retries presented", metadata: ["count": "\(rows.count)"]) }
            return rows.count
        }
    }

    private func mark(_ database: PostgresConnection, _ policyID: String, _ entryNumber: Int, _ attempt: Int, status: String, reason: String?) throws {
        try database.query(
            """
            UPDATE retrier.retries SET status = $4, status_reason = $5, published_at = CASE WHEN $4 = 'published' THEN now() END
            WHERE policy_id = $1 AND entry_number = $2 AND attempt = $3
            """,
            [policyID, entryNumber, attempt, status, reason]
        )
    }
}
