import Postgres

/// A file line and the event of its attempt can arrive at the same time, each in its own
/// transaction; both take this lock on the reference (trace number or processor reference) before
/// looking for the other, so the second one to commit always sees the first. Sorted, so two
/// imports never wait on each other in a cycle.
enum MatchLocks {
    static func lock(_ references: [String], _ database: PostgresConnection) throws {
        for reference in Set(references).sorted() {
            try database.query("SELECT pg_advisory_xact_lock(hashtextextended('reconciler.reference:' || $1, 0))", [reference])
        }
    }
}
