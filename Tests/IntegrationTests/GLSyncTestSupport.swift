import CoverPayCore
import Foundation
import Postgres
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// tests/python/fake_qbo.py on a free loopback port: the QuickBooks Online batch and token
/// endpoints, recording what they receive, scriptable to answer 429, 500, a Fault or hang.
final class FakeQBO: @unchecked Sendable {
    static let realm = "9130350000000001"
    static let clientID = "test-client"
    static let clientSecret = "test-secret-never-logged"
    static let refreshToken = "refresh-seed-\(UUID().uuidString)"

    private let process = Process()
    let port: Int

    init() throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-qbo-\(UUID().uuidString).port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", LiveServices.repositoryRoot.appendingPathComponent("tests/python/fake_qbo.py").path,
            "--realm", Self.realm, "--client-id", Self.clientID, "--client-secret", Self.clientSecret,
            "--refresh-token", Self.refreshToken, "--port-file", portFile.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let number = Int(text) {
                port = number
                try? FileManager.default.removeItem(at: portFile)
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw FleetTestError("fake QuickBooks server did not start")
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The sync's settings pointing at this fake, all accounts of the default chart mapped unless `mapping` says otherwise.
    func environment(mapping: [String: String]? = nil, extra: [String: String] = [:]) -> [String: String] {
        let accounts = mapping ?? Dictionary(uniqueKeysWithValues: GLSyncFixtures.chart.map { ($0, "qbo-\($0)") })
        let map = JSONValue.object(accounts.mapValues { .object(["id": .string($0), "name": .string("QBO \($0)")]) }).serialized()
        return [
            "COVERPAY_QBO_REALM_ID": Self.realm, "COVERPAY_QBO_BASE_URL": baseURL,
            "COVERPAY_QBO_TOKEN_URL": "\(baseURL)/oauth2/v1/tokens/bearer",
            "COVERPAY_QBO_CLIENT_ID": Self.clientID, "COVERPAY_QBO_CLIENT_SECRET": Self.clientSecret,
            "COVERPAY_QBO_REFRESH_TOKEN": Self.refreshToken, "COVERPAY_QBO_ACCOUNT_MAP": map,
            "COVERPAY_QBO_MIN_INTERVAL_MS": "0", "COVERPAY_QBO_BACKOFF_MS": "20", "COVERPAY_QBO_TIMEOUT_MS": "120000",
            "COVERPAY_QBO_PAUSE_AFTER_ERROR_MS": "600000",
        ].merging(extra) { $1 }
    }

    func script(_ answers: [String]) throws {
        _ = try call("/_fake/script", body: JSONValue.object(["next": .array(answers.map(JSONValue.string))]).serialized())
    }

    func release() throws { _ = try call("/_fake/release", body: "{}") }

    func state() throws -> JSONValue { try call("/_fake/state", body: nil) }

    /// How many JournalEntries the fake holds per DocNumber.
    func createdCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in try state()["journal_entries"]?.arrayValue ?? [] {
            counts[entry["DocNumber"]?.stringValue ?? "?", default: 0] += 1
        }
        return counts
    }

    func requests() throws -> [JSONValue] { try state()["requests"]?.arrayValue ?? [] }

    private func call(_ path: String, body: String?) throws -> JSONValue {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.timeoutInterval = 10
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            done.signal()
        }.resume()
        done.wait()
        guard let result else { throw FleetTestError("fake QuickBooks server did not answer \(path)") }
        return try JSONValue.parse(Array(result))
    }
}

enum GLSyncFixtures {
    static let chart = ["1010", "1020", "1030", "1035", "1040", "2010", "2020", "2060", "2070", "2080", "2090", "4010", "4020", "4030", "5010"]

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
