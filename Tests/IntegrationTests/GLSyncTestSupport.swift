import CoverPayCore
import CoverPayTools
import Foundation
import Postgres
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// tests/python/fake_qbo.py (through `QuickBooksFake`) with the tests' credentials and pacing,
/// scriptable to answer 429, 500, a Fault or hang.
final class FakeQBO: @unchecked Sendable {
    static let realm = "9130350000000001"
    static let clientID = "test-client"
    static let clientSecret = "test-secret-never-logged"
    static let refreshToken = "refresh-seed-\(UUID().uuidString)"

    let server: QuickBooksFake

    init() throws {
        server = try QuickBooksFake(
            repositoryRoot: LiveServices.repositoryRoot, realm: Self.realm, clientID: Self.clientID, clientSecret: Self.clientSecret,
            refreshToken: Self.refreshToken
        )
    }

    var port: Int { server.port }
    var baseURL: String { server.baseURL }

    /// The sync's settings pointing at this fake, all accounts of the default chart mapped unless `mapping` says otherwise.
    func environment(mapping: [String: String]? = nil, extra: [String: String] = [:]) -> [String: String] {
        server.settings(accountMap: mapping ?? Dictionary(uniqueKeysWithValues: GLSyncFixtures.chart.map { ($0, "qbo-\($0)") })).merging([
            "COVERPAY_QBO_MIN_INTERVAL_MS": "0", "COVERPAY_QBO_BACKOFF_MS": "20", "COVERPAY_QBO_TIMEOUT_MS": "120000",
            "COVERPAY_QBO_PAUSE_AFTER_ERROR_MS": "600000",
        ]) { $1 }.merging(extra) { $1 }
    }

    func script(_ answers: [String]) throws {
        _ = try server.call("/_fake/script", body: JSONValue.object(["next": .array(answers.map(JSONValue.string))]).serialized())
    }

    func release() throws { _ = try server.call("/_fake/release", body: "{}") }

    func state() throws -> JSONValue { try server.state() }

    /// How many JournalEntries the fake holds per DocNumber.
    func createdCounts() throws -> [String: Int] { try server.documentsByNumber() }

    func requests() throws -> [JSONValue] { try state()["requests"]?.arrayValue ?? [] }
}

enum GLSyncFixtures {
    static let chart = QuickBooksFake.chart

    /// Leaves the GL queue empty and the sync state clean: entries left pending by earlier tests
    /// (a missing mapping, sync off) must not ride in this test's batches.
    static func reset() throws {
        let database = try LiveServices.database()
        try database.query("UPDATE gl.batches SET status = 'answered', answered_at = now() WHERE status = 'sending'")
        try database.query("DELETE FROM gl.pending_entries")
        try database.query(
            """
            UPDATE gl.sync_state SET last_error_code = NULL, last_error = NULL, last_error_at = NULL, last_error_retriable = NULL,
                last_request_at = NULL, refresh_token = NULL, refresh_token_seed_sha256 = NULL
            """
        )
    }

    /// accounting-sync's database sessions that have waited inside an open transaction for longer
    /// than `seconds` (its own login, docs/security.md). Asked as the operator: only a member of
    /// pg_read_all_stats sees another login's session state.
    static func sessionsIdleInTransaction(longerThanSeconds seconds: Int) throws -> Int {
        try PostgresConnection(url: LiveServices.operatorDatabaseURL).query(
            """
            SELECT count(*)::int AS sessions FROM pg_stat_activity
            WHERE usename = 'coverpay_accounting_sync' AND state LIKE 'idle in transaction%'
              AND state_change < now() - make_interval(secs => $1)
            """, [String(seconds)]
        )[0].decode("sessions")
    }

    /// Posts a balanced entry as accounting-sync would (a fresh idempotency key: the ledger is
    /// append-only): a collected installment, debit `debitAccount`, credits to 2010 and `creditAccount`.
    @discardableResult
    static func postEntry(total: Int64, commission: Int64, debitAccount: String = "1030", creditAccount: String = "2070",
                          postedOn: String = "2026-11-20", memo: String = "collected installment",
                          on database: PostgresConnection? = nil) throws -> Int64 {
        try (database ?? LiveServices.database()).query(
            """
            WITH entry AS (
                INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo)
                VALUES ($1, $1, 'test.gl_sync', 'test', 1, $2::date, $3) RETURNING entry_id
            )
            INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents, credit_cents)
            SELECT entry_id, line, account, debit, credit FROM entry,
                (VALUES (1, $4, $6::bigint, 0::bigint), (2, '2010', 0, $6::bigint - $7::bigint), (3, $5, 0, $7::bigint)) AS lines(line, account, debit, credit)
            RETURNING entry_id
            """,
            [UUID().uuidString, postedOn, memo, debitAccount, creditAccount, total, commission]
        )[0].decode("entry_id")
    }

    static func pending(_ ids: [Int64]) throws -> Int {
        try LiveServices.count("SELECT count(*) AS n FROM gl.pending_entries WHERE entry_id = ANY($1::bigint[])", [array(ids)])
    }

    static func synced(_ ids: [Int64]) throws -> Int {
        try LiveServices.count("SELECT count(*) AS n FROM gl.synced_entries WHERE entry_id = ANY($1::bigint[])", [array(ids)])
    }

    static func array(_ ids: [Int64]) -> String { "{\(ids.map(String.init).joined(separator: ","))}" }

    static func status(_ environment: [String: String]) throws -> JSONValue {
        let result = try LiveServices.coverpay(["gl", "sync", "status", "--json"], environment: environment)
        guard result.status == 0 else { throw FleetTestError("gl sync status: \(result.stderr)") }
        return try JSONValue.parse(Array(result.stdout.utf8))
    }
}
