import CoverPayCore
import Postgres

/// Reads and writes `collector.payments`.
enum PaymentStore {
    static func attempts(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws -> [PaymentRecord] {
        try database.query(
            "SELECT \(PaymentRecord.columns) FROM collector.payments WHERE policy_id = $1 AND entry_number = $2 ORDER BY attempt",
            [policyID, entryNumber]
        ).map(PaymentRecord.init(row:))
    }

    /// Inserts the attempt; false when one with the same installment and attempt number exists.
    @discardableResult
    static func insert(_ record: PaymentRecord, failure: CollectionFailure? = nil, _ database: PostgresConnection) throws -> Bool {
        let ach = record.ach
        return try !database.query(
            """
            INSERT INTO collector.payments (payment_id, policy_id, entry_number, attempt, message_id, rail, processor, amount_cents,
                fee_cents, currency, status, failure_code, failure_message, retryable, idempotency_key, payment_method, decision,
                sec_code, effective_date, trace_number, account_ciphertext, receiver_name, individual_id, decided_at, trace_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17::jsonb,
                $18, $19::date, $20, $21, $22, $23, CASE WHEN $12::text IS NULL THEN NULL ELSE now() END, $24)
            ON CONFLICT (policy_id, entry_number, attempt) DO NOTHING RETURNING 1 AS inserted
            """,
            [
                record.paymentID, record.policyID, record.entryNumber, record.attempt, record.messageID, record.rail?.rawValue,
                record.processor, record.amount.cents, record.fee.cents, record.currency, record.status.rawValue, failure?.code,
                failure?.message, failure?.retryable, record.idempotencyKey, record.paymentMethod?.serialized(),
                record.decision.serialized(), ach?.secCode.rawValue, ach?.effectiveDate.description, ach?.traceNumber,
                ach?.accountCiphertext, ach?.receiverName, ach?.individualIdentification, record.traceID,
            ]
        ).isEmpty
    }

    /// Records an outcome of an attempt still `pending` or `unknown`; false when another thread or
    /// replica recorded one first (its events are already in the outbox; emit nothing).
    static func recordOutcome(
        paymentID: String, status: PaymentStatus, reference: String?, failure: CollectionFailure?, _ database: PostgresConnection
    ) throws -> Bool {
        try !database.query(
            """
            UPDATE collector.payments SET status = $2, processor_reference = coalesce($3, processor_reference), failure_code = $4,
                failure_message = $5, retryable = $6, decided_at = now()
            WHERE payment_id = $1 AND status IN ('pending', 'unknown') RETURNING 1 AS updated
            """,
            [paymentID, status.rawValue, reference, failure?.code, failure?.message, failure?.retryable]
        ).isEmpty
    }

    /// Card attempts a dispatcher may take, oldest first: claimed and never sent, or still open
    /// (`pending` / `unknown`) this long after their last request went out.
    static func openCardAttempts(resolveAfterMilliseconds: Int, limit: Int, _ database: PostgresConnection) throws -> [PaymentRecord] {
        try database.query(
            """
            SELECT \(PaymentRecord.columns) FROM collector.payments
            WHERE rail = 'card' AND status IN ('pending', 'unknown')
              AND (sent_at IS NULL OR sent_at < now() - make_interval(secs => $1::int / 1000.0))
            ORDER BY created_at LIMIT $2
            """,
            [resolveAfterMilliseconds, limit]
        ).map(PaymentRecord.init(row:))
    }

    /// Notes that requests for these attempts go to the processor now; one statement, committed
    /// before the calls.
    static func markSent(paymentIDs: [String], _ database: PostgresConnection) throws {
        try database.query("UPDATE collector.payments SET sent_at = now() WHERE payment_id = ANY($1::text[])", [paymentIDs])
    }
}
