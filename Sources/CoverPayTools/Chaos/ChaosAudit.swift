import CoverPayCore
import Foundation
import Postgres

/// The end-of-run checks of a chaos run, from the database, the sandbox books and the files the
/// collector wrote, never from the workers' own counters. Each finding names the policy and the
/// installment it is about.
struct ChaosAudit {
    let database: PostgresConnection
    /// Policy ids of the run start with this.
    let prefix: String
    let achOutboundDirectory: String

    struct Finding: Sendable {
        let check: String
        let detail: String
    }

    func run() throws -> [Finding] {
        var findings: [Finding] = []
        func each(_ check: String, _ sql: String, _ describe: (PostgresRow) throws -> String) throws {
            for row in try database.query(sql, [prefix]) { findings.append(Finding(check: check, detail: try describe(row))) }
        }
        // At most one charge per attempt, in the processor's own books.
        try each("double_charge", """
            SELECT idempotency_key, count(*) AS n FROM sandbox.card_calls
            WHERE kind = 'charge' AND NOT replay AND idempotency_key LIKE $1 || '%' GROUP BY 1 HAVING count(*) > 1
            """) { "attempt \(try $0.decode("idempotency_key", as: String.self)) charged \(try $0.decode("n", as: Int.self)) times" }
        // At most one collected payment per installment, unless one was returned or charged back.
        try each("double_collection", """
            SELECT policy_id, entry_number, count(*) AS n FROM collector.payments
            WHERE policy_id LIKE $1 || '%' AND status IN ('succeeded', 'settled') GROUP BY 1, 2 HAVING count(*) > 1
            """) { "\(try $0.decode("policy_id", as: String.self)) entry \(try $0.decode("entry_number", as: Int.self)) collected \(try $0.decode("n", as: Int.self)) times" }
        // Every installment announced (by the scheduler or a retry) reached the collector and, on
        // cards, ended with an outcome.
        try each("lost_installment", """
            SELECT e.policy_id, (e.body->'data'->>'entry_number')::int AS entry_number, coalesce((e.body->'data'->>'attempt')::int, 1) AS attempt,
                   p.status
            FROM coverpay.payment_events e
            LEFT JOIN collector.payments p ON p.policy_id = e.policy_id
                 AND p.entry_number = (e.body->'data'->>'entry_number')::int AND p.attempt = coalesce((e.body->'data'->>'attempt')::int, 1)
            WHERE e.type = 'coverpay.installment.due' AND e.policy_id LIKE $1 || '%'
              AND (p.payment_id IS NULL OR (p.rail = 'card' AND p.status IN ('pending', 'unknown')))
            """) { row in
            let state = row["status"].map { "still \($0)" } ?? "never reached the collector"
            return "\(try row.decode("policy_id", as: String.self)) entry \(try row.decode("entry_number", as: Int.self)) attempt \(try row.decode("attempt", as: Int.self)): \(state)"
        }
        findings += try duplicateACHEntries()
        findings += try ledgerFindings()
        let outbox: Int = try database.query("SELECT count(*) AS n FROM coverpay.outbox")[0].decode("n")
        if outbox > 0 { findings.append(Finding(check: "outbox", detail: "\(outbox) outbox rows never published")) }
        return findings
    }

    /// One NACHA entry per presentment: trace numbers counted across every file the collector wrote.
    private func duplicateACHEntries() throws -> [Finding] {
        let folder = URL(fileURLWithPath: achOutboundDirectory)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".ach") } ?? []
        var traces: [String: Int] = [:]
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for entry in try NACHAFile.parse(text).entries { traces[entry.traceNumber, default: 0] += 1 }
        }
        let ours = Set(try database.query(
            "SELECT trace_number FROM collector.payments WHERE policy_id LIKE $1 || '%' AND trace_number IS NOT NULL", [prefix]
        ).map { try $0.decode("trace_number", as: String.self) })
        return traces.filter { ours.contains($0.key) && $0.value > 1 }.map {
            Finding(check: "duplicate_ach_entry", detail: "trace \($0.key) is in the NACHA files \($0.value) times")
        }
    }

    /// The run's journal entries each balanced and balanced together, the run's trust cash covering
    /// its fiduciary liabilities, and one journal entry set per collected payment event. Limited to
    /// the run's policies: a shared test database holds other suites' deliberately partial books.
    private func ledgerFindings() throws -> [Finding] {
        var findings: [Finding] = []
        for row in try database.query("""
            SELECT entry_id FROM ledger.journal_lines
            WHERE entry_id IN (SELECT entry_id FROM ledger.journal_entries WHERE policy_id LIKE $1 || '%')
            GROUP BY entry_id HAVING sum(debit_cents) <> sum(credit_cents)
            """, [prefix]) {
            findings.append(Finding(check: "unbalanced_entry", detail: "journal entry \(try row.decode("entry_id", as: Int64.self)) does not balance"))
        }
        var balances: [String: Money] = [:], liabilities: Set<String> = []
        for row in try database.query("""
            SELECT l.account_code, sum(l.debit_cents - l.credit_cents)::bigint AS net,
                   coalesce(coalesce(a.fiduciary, parent.fiduciary) = 'liability', false) AS fiduciary_liability
            FROM ledger.journal_lines l JOIN ledger.accounts a ON a.code = l.account_code
                 LEFT JOIN ledger.accounts parent ON parent.code = a.parent_code
                 JOIN ledger.journal_entries e ON e.entry_id = l.entry_id
            WHERE e.policy_id LIKE $1 || '%'
            GROUP BY l.account_code, a.fiduciary, parent.fiduciary
            """, [prefix]) {
            let code: String = try row.decode("account_code")
            balances[code] = Money(cents: try row.decode("net"))
            if try row.decode("fiduciary_liability", as: Bool.self) { liabilities.insert(code) }
        }
        let net = balances.values.reduce(Money.zero, +)
        if !net.isZero { findings.append(Finding(check: "ledger_balance", detail: "debits and credits differ by \(net)")) }
        // The invariant accounting-sync checks (TrustCheck): cash still in clearing or in transit counts.
        let trust = TrustCheck(balances: balances, isFiduciaryLiability: liabilities.contains)
        if !trust.holds {
            findings.append(Finding(check: "trust", detail: "trust cash \(trust.trustCash) + in transit \(trust.inTransit) < fiduciary liabilities \(trust.fiduciaryLiabilities)"))
        }
        for row in try database.query("""
            SELECT e.event_id, e.policy_id FROM coverpay.payment_events e
            WHERE e.type = 'coverpay.payment.succeeded' AND e.policy_id LIKE $1 || '%'
              AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries j WHERE j.event_id = e.event_id)
            """, [prefix]) {
            findings.append(Finding(check: "missing_journal", detail: "\(try row.decode("policy_id", as: String.self)): payment.succeeded \(try row.decode("event_id", as: String.self)) has no journal entry"))
        }
        return findings
    }
}
