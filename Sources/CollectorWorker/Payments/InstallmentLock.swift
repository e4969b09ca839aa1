import Postgres

/// Serialises all work on one installment across threads and replicas for the rest of the
/// transaction: the consumer handling its `installment.due` holds it through the processor call,
/// so a redelivery or the status job never acts on an attempt whose call is still in flight.
/// A crashed holder's lock goes with its connection.
enum InstallmentLock {
    static func acquire(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws {
        try database.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key(policyID, entryNumber)])
    }

    static func tryAcquire(policyID: String, entryNumber: Int, _ database: PostgresConnection) throws -> Bool {
        try database.query("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked", [key(policyID, entryNumber)])[0]
            .decode("locked")
    }

    private static func key(_ policyID: String, _ entryNumber: Int) -> String { "collector.installment:\(policyID):\(entryNumber)" }
}
