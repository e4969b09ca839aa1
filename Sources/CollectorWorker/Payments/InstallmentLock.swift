import Postgres

/// Serialises all work on one installment across threads and replicas: the consumer handling its
/// `installment.due` holds it for its transaction; the card dispatcher holds it on its session —
/// no transaction open — from taking an attempt until its outcome is recorded, so that a
/// redelivery or another replica never acts on an attempt whose request is still in flight.
/// Both kinds of advisory lock on the same key exclude each other. A crashed holder's lock goes
/// with its connection.
enum InstallmentLock {
    static func acquire(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws {
        try database.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key(policyID, entryNumber)])
    }

    /// Takes the lock of the attempt's installment on the connection's session (held across
    /// transactions until `release`) and reads the attempt in the same round trip; nil when
    /// another holder has the lock.
    static func tryAcquireForSession(_ attempt: PaymentRecord, _ database: PostgresConnection) throws -> PaymentRecord? {
        let row = try database.query(
            "SELECT \(PaymentRecord.columns), pg_try_advisory_lock(hashtextextended($2, 0)) AS locked FROM collector.payments WHERE payment_id = $1",
            [attempt.paymentID, key(attempt.policyID, attempt.entryNumber)]
        ).first
        guard let row, try row.decode("locked", as: Bool.self) else { return nil }
        return try PaymentRecord(row: row)
    }

    /// Releases session locks taken by `tryAcquireForSession`, in one round trip.
    static func release(_ attempts: [PaymentRecord], _ database: PostgresConnection) throws {
        guard !attempts.isEmpty else { return }
        try database.query(
            "SELECT count(*) FILTER (WHERE pg_advisory_unlock(hashtextextended(k, 0))) AS released FROM unnest($1::text[]) AS k",
            [attempts.map { key($0.policyID, $0.entryNumber) }]
        )
    }

    private static func key(_ policyID: String, _ entryNumber: Int) -> String { "collector.installment:\(policyID):\(entryNumber)" }
}
