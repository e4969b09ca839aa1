import AccountingSyncWorker
import CoverPayCore
import Foundation
import Postgres
import Testing

/// `coverpay status`'s trust check and GL sync lag lines, against the ledger and the GL queue read
/// directly.
@Suite("Status: trust check and GL sync lag", .serialized)
struct StatusTests {
    init() throws { try LiveServices.isolate() }

    static func status() throws -> (json: JSONValue, text: String) {
        let json = try LiveServices.coverpay(["status", "--json"])
        let text = try LiveServices.coverpay(["status"])
        #expect(json.status == 0 && text.status == 0, "\(json.stderr) \(text.stderr)")
        return (try JSONValue.parse(Array(json.stdout.utf8)), text.stdout)
    }

    /// A balanced entry that books `cents` of refunds owed against an expense, with no money in
    /// trust behind it, posted `age` seconds ago; or its reversal.
    static func postRefundLiability(key: String, cents: Int64, ageSeconds: Int, reversing: Int64? = nil) throws -> Int64 {
        try LiveServices.database().transaction { database in
            let id: Int64 = try database.query(
                """
                INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo, reverses_entry_id, posted_at)
                VALUES ($1, $1, 'test', 'manual', 1, '2026-01-01', 'status test', $2, now() - make_interval(secs => $3)) RETURNING entry_id
                """, [reversing.map { _ in "\(key):reverse" } ?? key, reversing, ageSeconds]
            )[0].decode("entry_id")
            let (expense, refunds) = reversing == nil ? ("debit_cents", "credit_cents") : ("credit_cents", "debit_cents")
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, \(expense)) VALUES ($1, 1, '5010', $2)", [id, cents])
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, \(refunds)) VALUES ($1, 2, '2090', $2)", [id, cents])
            return id
        }
    }

    @Test("status shows the trust check (holds, then a breach with its shortfall) and the GL queue: entries pending, oldest age, last sync")
    func trustAndGLLag() throws {
        let database = try LiveServices.database()
        let before = try Self.status()
        let check = try Journal.trustCheck(database)
        #expect(check.holds, "the ledger starts sound")
        #expect(before.json["trust"]?["holds"] == .bool(true))
        #expect(before.json["trust"]?["trust_cash"] == .string(check.trustCash.description))
        #expect(before.json["trust"]?["fiduciary_liabilities"] == .string(check.fiduciaryLiabilities.description))
        #expect(before.text.contains("trust check: holds (premium trust cash \(check.trustCash) + in transit \(check.inTransit)"), "\(before.text)")

        // No accounting-sync runs here, so the entry stays in the GL queue: the lag shows it.
        let shortBy: Int64 = 12_345
        let key = Events.uniqueID("status-breach")
        let id = try Self.postRefundLiability(key: key, cents: check.covered.cents - check.fiduciaryLiabilities.cents + shortBy, ageSeconds: 7200)
        let pending = try LiveServices.count("SELECT count(*)::int AS n FROM gl.pending_entries")
        let during = try Self.status()
        #expect(during.json["trust"]?["holds"] == .bool(false))
        #expect(during.json["trust"]?["shortfall"] == .string("123.45"))
        #expect(during.text.contains("trust check: BREACH, short 123.45"), "\(during.text)")
        #expect(during.json["gl_sync"]?["pending"] == .number("\(pending)"))
        let oldest = Int(during.json["gl_sync"]?["oldest_pending_seconds"]?.serialized() ?? "") ?? -1
        #expect(oldest >= 7200, "the entry posted two hours ago is pending: \(oldest)")
        #expect(during.text.contains("GL sync: \(pending) entries pending, oldest posted "), "\(during.text)")
        let lastSync = try database.query("SELECT last_sync_at IS NULL AS never FROM gl.sync_state")[0].decode("never", as: Bool.self)
        #expect(during.text.contains(lastSync ? "last sync never" : "last sync 20"), "\(during.text)")

        _ = try Self.postRefundLiability(key: key, cents: check.covered.cents - check.fiduciaryLiabilities.cents + shortBy, ageSeconds: 0, reversing: id)
        let after = try Self.status()
        #expect(after.json["trust"]?["holds"] == .bool(true))
        #expect(after.json["gl_sync"]?["pending"] == .number("\(pending + 1)"))
    }
}
