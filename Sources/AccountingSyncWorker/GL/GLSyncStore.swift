import CoverPayCore
import Crypto
import Foundation
import Postgres

/// The SQL of the general-ledger sync over `gl.*` (migration 008). Each method is one statement
/// or one transaction; `GLSync` says in which order they run and why.
struct GLSyncStore {
    let database: PostgresConnection

    struct Batch {
        let batchID: Int64
        let requestID: String
        let body: String
        /// bId → the ledger entries of that document, and whether it is sent (false: a summary netting to nothing).
        let documents: [String: (entryIDs: [Int64], sent: Bool)]
    }

    /// One process at a time sends (replicas and `coverpay gl sync run` alike): a session lock,
    /// released when the pass ends or the connection dies with its process.
    func tryLock() throws -> Bool {
        try database.query("SELECT pg_try_advisory_lock(hashtext('coverpay.gl_sync')) AS locked")[0].decode("locked")
    }

    func unlock() throws {
        _ = try database.query("SELECT pg_advisory_unlock(hashtext('coverpay.gl_sync'))")
    }

    /// Whether an error that needs a person was recorded less than `pause` ago.
    func isPaused(_ pause: Duration) throws -> Bool {
        try database.query(
            """
            SELECT (last_error_retriable IS FALSE AND last_error_at > now() - make_interval(secs => $1::bigint / 1000.0)) AS paused
            FROM gl.sync_state
            """,
            [Self.milliseconds(pause)]
        )[0].decode("paused")
    }

    /// The batch sent and not answered (at most one), to be resent as it is.
    func unansweredBatch() throws -> Batch? {
        guard let row = try database.query("SELECT batch_id, request_id, body FROM gl.batches WHERE status = 'sending'").first else { return nil }
        let batchID: Int64 = try row.decode("batch_id")
        var documents: [String: (entryIDs: [Int64], sent: Bool)] = [:]
        for document in try database.query(
            "SELECT bid, array_to_string(entry_ids, ',') AS entry_ids, sent FROM gl.documents WHERE batch_id = $1", [batchID]
        ) {
            let ids = try document.decode("entry_ids", as: String.self).split(separator: ",").compactMap { Int64($0) }
            documents[try document.decode("bid")] = (ids, try document.decode("sent"))
        }
        return Batch(batchID: batchID, requestID: try row.decode("request_id"), body: try row.decode("body"), documents: documents)
    }

    /// Pending entries not in a batch, in ledger order; in daily-summary mode only those of days
    /// before the business date (a day is summarised once it is over).
    func pendingEntries(mode: GLSyncMode, limit: Int) throws -> [LedgerEntry] {
        try LedgerEntryReader.read(
            """
            SELECT p.entry_id FROM gl.pending_entries p JOIN ledger.journal_entries e ON e.entry_id = p.entry_id
            WHERE p.batch_id IS NULL AND ($1::bool IS FALSE OR e.posted_on < coverpay.business_date())
            ORDER BY e.posted_on, p.entry_id LIMIT $2
            """,
            [mode == .dailySummary, limit], database
        )
    }

    /// Stores a composed batch and ties its entries to it, before anything is sent.
    func insertBatch(_ documents: [GLDocument], realmID: String, mode: GLSyncMode) throws -> Batch {
        let requestID = UUID().uuidString.lowercased()
        var items: [JSONValue] = []
        var stored: [String: (entryIDs: [Int64], sent: Bool)] = [:]
        for (index, document) in documents.enumerated() {
            let bid = String(index + 1)
            stored[bid] = (document.entryIDs, document.journalEntry != nil)
            if let journalEntry = document.journalEntry {
                items.append(.object(["bId": .string(bid), "operation": .string("create"), "JournalEntry": journalEntry]))
            }
        }
        let body = JSONValue.object(["BatchItemRequest": .array(items)]).serialized()
        let batchID: Int64 = try database.query(
            "INSERT INTO gl.batches (request_id, realm_id, mode, body, status) VALUES ($1, $2, $3, $4, 'sending') RETURNING batch_id",
            [requestID, realmID, mode.rawValue, body]
        )[0].decode("batch_id")
        for (bid, document) in stored {
            try database.query(
                "INSERT INTO gl.documents (batch_id, bid, entry_ids, sent) VALUES ($1, $2, $3::bigint[], $4)",
                [batchID, bid, document.entryIDs, document.sent]
            )
            try database.query("UPDATE gl.pending_entries SET batch_id = $1 WHERE entry_id = ANY($2::bigint[])", [batchID, document.entryIDs])
        }
        return Batch(batchID: batchID, requestID: requestID, body: body, documents: stored)
    }

    /// How long to wait before the next request so requests stay `interval` apart; records the send.
    func claimSendSlot(batchID: Int64, interval: Duration) throws -> Duration {
        let waitMilliseconds: Int = try database.query(
            """
            SELECT (coalesce(greatest(0, extract(epoch FROM (last_request_at + make_interval(secs => $1::bigint / 1000.0)) - now())), 0) * 1000)::bigint AS wait
            FROM gl.sync_state
            """,
            [Self.milliseconds(interval)]
        )[0].decode("wait")
        let wait = Duration.milliseconds(waitMilliseconds)
        try database.transaction { database in
            try database.query("UPDATE gl.batches SET sends = sends + 1 WHERE batch_id = $1", [batchID])
            try database.query(
                "UPDATE gl.sync_state SET last_request_at = now() + make_interval(secs => $1::bigint / 1000.0)", [waitMilliseconds]
            )
        }
        return wait
    }

    /// Records QuickBooks' answer (inside the caller's transaction): created documents' entries
    /// become synced and leave the queue; faulted ones go back to the queue. Returns the synced
    /// entry ids and the first fault, in document order.
    func recordAnswer(_ batch: Batch, results: [String: Result<String, QBOError>]) throws -> (synced: [Int64], fault: QBOError?) {
        var synced: [Int64] = []
        var fault: QBOError?
        for (bid, document) in batch.documents.sorted(by: { $0.value.entryIDs.first ?? 0 < $1.value.entryIDs.first ?? 0 }) {
            let outcome: Result<String?, QBOError> = document.sent
                ? (results[bid].map { $0.map { Optional($0) } } ?? .failure(QBOError(.invalidResponse, "no BatchItemResponse for bId \(bid)")))
                : .success(nil)
            switch outcome {
            case .success(let qboID):
                try database.query("UPDATE gl.documents SET qbo_id = $3 WHERE batch_id = $1 AND bid = $2", [batch.batchID, bid, qboID])
                try database.query(
                    """
                    INSERT INTO gl.synced_entries (entry_id, batch_id, bid, qbo_id) SELECT unnest($3::bigint[]), $1, $2, $4
                    """,
                    [batch.batchID, bid, document.entryIDs, qboID]
                )
                try database.query("DELETE FROM gl.pending_entries WHERE entry_id = ANY($1::bigint[])", [document.entryIDs])
                synced += document.entryIDs
            case .failure(let error):
                try database.query("UPDATE gl.documents SET fault = $3 WHERE batch_id = $1 AND bid = $2", [batch.batchID, bid, error.description])
                try database.query("UPDATE gl.pending_entries SET batch_id = NULL WHERE entry_id = ANY($1::bigint[])", [document.entryIDs])
                if fault == nil {
                    fault = QBOError(error.code, "ledger entries \(document.entryIDs.map(String.init).joined(separator: ", ")): \(error.message)")
                }
            }
        }
        try database.query("UPDATE gl.batches SET status = 'answered', answered_at = now() WHERE batch_id = $1", [batch.batchID])
        try database.query("UPDATE gl.sync_state SET last_sync_at = now(), last_batch_id = $1", [batch.batchID])
        return (synced, fault)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    func recordError(code: String, message: String, retriable: Bool) throws {
        try database.query(
            "UPDATE gl.sync_state SET last_error_code = $1, last_error = $2, last_error_at = now(), last_error_retriable = $3",
            [code, message, retriable]
        )
    }

    func clearError() throws {
        try database.query(
            "UPDATE gl.sync_state SET last_error_code = NULL, last_error = NULL, last_error_at = NULL, last_error_retriable = NULL"
        )
    }
}

/// The newest refresh token in `gl.sync_state`, unless the configured one changed since (an
/// operator re-authorised the app): the stored one descends from the seed whose SHA-256 it keeps.
struct StoredRefreshTokens: QBORefreshTokenStore {
    let database: PostgresConnection
    let configured: String

    private var seedHash: String { SHA256.hash(data: Data(configured.utf8)).map { String(format: "%02x", $0) }.joined() }

    func current() throws -> String {
        let row = try database.query("SELECT refresh_token, refresh_token_seed_sha256 FROM gl.sync_state")[0]
        guard let stored = row["refresh_token"], row["refresh_token_seed_sha256"] == seedHash else { return configured }
        return stored
    }

    func replace(with token: String) throws {
        try database.query("UPDATE gl.sync_state SET refresh_token = $1, refresh_token_seed_sha256 = $2", [token, seedHash])
    }
}
