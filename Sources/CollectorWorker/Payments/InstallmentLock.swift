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

    /// Held on the connection's session until `release`, across transactions.
    static func tryAcquireForSession(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws -> Bool {
        try database.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key(policyID, entryNumber)])[0].decode("locked")
    }

    static func release(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws {
        try database.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key(policyID, entryNumber)])
    }

    private static func key(_ policyID: String, _ entryNumber: Int) -> String { "collector.installment:\(policyID):\(entryNumber)" }
}
