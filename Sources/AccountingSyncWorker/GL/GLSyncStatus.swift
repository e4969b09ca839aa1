import Postgres

/// What `coverpay gl sync status` shows: counts from the queue and the last outcome.
public struct GLSyncStatus: Sendable {
    public let pending: Int
    /// Pending entries riding in a sent, unanswered batch.
    public let inFlight: Int
    public let synced: Int
    /// How long the oldest entry still waiting for QuickBooks has been posted, in seconds (nil: none waits).
    public let oldestPendingSeconds: Int64?
    public let lastSyncAt: String?
    public let lastBatchID: Int64?
    public let lastErrorCode: String?
    public let lastError: String?
    public let lastErrorAt: String?
    public let lastErrorRetriable: Bool?

    public static func load(_ database: PostgresConnection) throws -> GLSyncStatus {
        let row = try database.query(
            """
            SELECT (SELECT count(*) FROM gl.pending_entries) AS pending,
                   (SELECT count(*) FROM gl.pending_entries WHERE batch_id IS NOT NULL) AS in_flight,
                   (SELECT count(*) FROM gl.synced_entries) AS synced,
                   (SELECT extract(epoch FROM now() - min(j.posted_at))::bigint FROM gl.pending_entries p
                        JOIN ledger.journal_entries j ON j.entry_id = p.entry_id) AS oldest_pending_seconds,
                   to_char(last_sync_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_sync_at, last_batch_id,
                   last_error_code, last_error, last_error_retriable,
                   to_char(last_error_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_error_at
            FROM gl.sync_state
            """
        )[0]
        return GLSyncStatus(
            pending: try row.decode("pending"), inFlight: try row.decode("in_flight"), synced: try row.decode("synced"),
            oldestPendingSeconds: try row.decodeIfPresent("oldest_pending_seconds"),
            lastSyncAt: row["last_sync_at"], lastBatchID: try row.decodeIfPresent("last_batch_id"),
            lastErrorCode: row["last_error_code"], lastError: row["last_error"], lastErrorAt: row["last_error_at"],
            lastErrorRetriable: try row.decodeIfPresent("last_error_retriable")
        )
    }
}
