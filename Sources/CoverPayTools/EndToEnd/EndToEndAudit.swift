import CoverPayCore
import Foundation
import Postgres

/// The end-to-end checks of a fault-free run (`EndToEndRun`), besides the chaos audit's: what every
/// installment became, one balanced journal set per collected payment (and its reversal when
/// returned), the ledger against the payments table, and QuickBooks having each entry once. From
/// the database and the fake QuickBooks' own record; each finding names the policy and entry.
struct EndToEndAudit {
    let database: PostgresConnection
    let prefix: String
    let lastDay: CalendarDate

    typealias Finding = ChaosAudit.Finding

    func run(quickBooks: [String: Int]) throws -> [Finding] {
        try entryFates() + paidWithoutMoney() + journalSets() + ledgerAgainstPayments() + glSync(quickBooks)
    }

    /// Every Valid entry billed by the last day ends paid, refunded (a negative entry with its
    /// `refund.requested`), written off, or on a policy in delinquency or cancellation. An entry
    /// whose next retry falls after the last day is still being recovered (delinquency opens only
    /// when retries stop, docs/retrier.md): that is explained too.
    func entryFates() throws -> [Finding] {
        try database.query("""
            SELECT e.policy_id, e.entry_number, e.total_cents, e.due_date::text AS due, coalesce(r.status, 'not with the retrier') AS retrier,
                   coalesce((SELECT c.status FROM collector.payments c WHERE c.policy_id = e.policy_id AND c.entry_number = e.entry_number
                             ORDER BY c.attempt DESC LIMIT 1), 'no attempt') AS last_attempt
            FROM scheduler.entries e
                 LEFT JOIN retrier.installments r ON r.policy_id = e.policy_id AND r.entry_number = e.entry_number
                 LEFT JOIN retrier.policies p ON p.policy_id = e.policy_id
            WHERE e.policy_id LIKE $1 || '%' AND e.status = 'Valid' AND e.total_cents <> 0 AND e.due_date <= $2::date AND NOT e.is_paid
              AND NOT (e.total_cents < 0 AND EXISTS (SELECT 1 FROM coverpay.payment_events f
                       WHERE f.type = 'coverpay.refund.requested' AND f.policy_id = e.policy_id))
              AND r.status IS DISTINCT FROM 'written_off'
              AND coalesce(p.stage, 'current') = 'current'
              AND NOT EXISTS (SELECT 1 FROM retrier.retries t WHERE t.policy_id = e.policy_id AND t.entry_number = e.entry_number
                              AND t.status = 'scheduled' AND t.retry_on > $2::date)
            ORDER BY 1, 2
            """, [prefix, lastDay.description]).map { row in
            Finding(check: "unexplained_entry", detail: """
                \(try row.decode("policy_id", as: String.self)) entry \(try row.decode("entry_number", as: Int.self)) \
                (\(Money(cents: try row.decode("total_cents"))), due \(try row.decode("due", as: String.self))) is neither paid, refunded, \
                written off nor in delinquency: retrier \(try row.decode("retrier", as: String.self)), last attempt \(try row.decode("last_attempt", as: String.self))
                """)
        }
    }

    /// A paid entry was paid by money: a collected payment still standing, or unapplied cash applied to it.
    func paidWithoutMoney() throws -> [Finding] {
        try database.query("""
            SELECT e.policy_id, e.entry_number FROM scheduler.entries e
            WHERE e.policy_id LIKE $1 || '%' AND e.status = 'Valid' AND e.is_paid AND e.total_cents > 0
              AND NOT EXISTS (SELECT 1 FROM collector.payments c WHERE c.policy_id = e.policy_id AND c.entry_number = e.entry_number
                              AND c.status IN ('succeeded', 'settled'))
              AND NOT EXISTS (SELECT 1 FROM coverpay.payment_events a WHERE a.type = 'coverpay.payment.applied' AND a.policy_id = e.policy_id
                              AND (a.body->'data'->>'entry_number')::int = e.entry_number)
            ORDER BY 1, 2
            """, [prefix]).map { row in
            Finding(check: "paid_without_money", detail: "\(try row.decode("policy_id", as: String.self)) entry \(try row.decode("entry_number", as: Int.self)) is paid, but no payment of it stands and no cash was applied to it")
        }
    }

    /// Every payment that was collected (`payment.succeeded`) has exactly one collection entry, one
    /// settlement entry once final, and every one of its entries reversed exactly when it was returned.
    func journalSets() throws -> [Finding] {
        try database.query("""
            WITH collected AS (
                SELECT DISTINCT e.policy_id, (e.body->'data'->>'entry_number')::int AS entry_number, e.body->'data'->>'payment_id' AS payment_id
                FROM coverpay.payment_events e WHERE e.type = 'coverpay.payment.succeeded' AND e.policy_id LIKE $1 || '%'
            ), journal AS (
                SELECT j.payment_id,
                       count(*) FILTER (WHERE j.rule = 'payment_collected') AS collections,
                       count(*) FILTER (WHERE j.rule = 'payment_settled' AND j.idempotency_key LIKE '%:settled') AS settlements,
                       count(*) FILTER (WHERE j.rule IN ('payment_collected', 'payment_settled')
                                        AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries r WHERE r.reverses_entry_id = j.entry_id)) AS standing,
                       count(*) FILTER (WHERE j.reverses_entry_id IS NOT NULL) AS reversals
                FROM ledger.journal_entries j WHERE j.payment_id IN (SELECT payment_id FROM collected) GROUP BY 1
            )
            SELECT c.policy_id, c.entry_number, c.payment_id, p.status,
                   coalesce(j.collections, 0) AS collections, coalesce(j.settlements, 0) AS settlements,
                   coalesce(j.standing, 0) AS standing, coalesce(j.reversals, 0) AS reversals
            FROM collected c JOIN collector.payments p ON p.payment_id = c.payment_id LEFT JOIN journal j ON j.payment_id = c.payment_id
            WHERE coalesce(j.collections, 0) <> 1
               OR (p.status = 'settled') <> (coalesce(j.settlements, 0) = 1) AND p.status <> 'returned'
               OR coalesce(j.settlements, 0) > 1
               OR (p.status = 'returned' AND (coalesce(j.standing, 0) > 0 OR coalesce(j.reversals, 0) = 0))
               OR (p.status <> 'returned' AND coalesce(j.reversals, 0) > 0)
            ORDER BY 1, 2
            """, [prefix]).map { row in
            Finding(check: "journal_set", detail: """
                \(try row.decode("policy_id", as: String.self)) entry \(try row.decode("entry_number", as: Int.self)) payment \(try row.decode("payment_id", as: String.self)) \
                (\(try row.decode("status", as: String.self))): \(try row.decode("collections", as: Int.self)) collection entries, \
                \(try row.decode("settlements", as: Int.self)) settlements, \(try row.decode("standing", as: Int.self)) standing unreversed, \
                \(try row.decode("reversals", as: Int.self)) reversals
                """)
        }
    }

    /// Per rail, the collected payments that stand (collector.payments `succeeded` / `settled`) equal
    /// the clearing account's collections not reversed, and the settled ones its settlements not reversed.
    func ledgerAgainstPayments() throws -> [Finding] {
        try database.query("""
            WITH payments AS (
                SELECT rail, coalesce(sum(amount_cents + fee_cents) FILTER (WHERE status IN ('succeeded', 'settled')), 0) AS standing,
                       coalesce(sum(amount_cents + fee_cents) FILTER (WHERE status = 'settled'), 0) AS settled
                FROM collector.payments WHERE policy_id LIKE $1 || '%' GROUP BY rail
            ), ledger AS (
                SELECT CASE l.account_code WHEN '1030' THEN 'card' ELSE 'ach' END AS rail,
                       coalesce(sum(l.debit_cents) FILTER (WHERE j.rule = 'payment_collected'), 0) AS standing,
                       coalesce(sum(l.credit_cents) FILTER (WHERE j.rule = 'payment_settled'), 0) AS settled
                FROM ledger.journal_entries j JOIN ledger.journal_lines l ON l.entry_id = j.entry_id
                WHERE j.policy_id LIKE $1 || '%' AND l.account_code IN ('1030', '1035')
                  AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries r WHERE r.reverses_entry_id = j.entry_id)
                GROUP BY 1
            )
            SELECT coalesce(p.rail, l.rail) AS rail, coalesce(p.standing, 0) AS payments_standing, coalesce(l.standing, 0) AS ledger_standing,
                   coalesce(p.settled, 0) AS payments_settled, coalesce(l.settled, 0) AS ledger_settled
            FROM payments p FULL JOIN ledger l ON l.rail = p.rail
            """, [prefix]).flatMap { row -> [Finding] in
            let rail: String = try row.decode("rail")
            var findings: [Finding] = []
            for (figure, payments, ledger) in [("collected and standing", "payments_standing", "ledger_standing"), ("settled", "payments_settled", "ledger_settled")] {
                let (fromPayments, fromLedger) = (Money(cents: try row.decode(payments)), Money(cents: try row.decode(ledger)))
                if fromPayments != fromLedger {
                    findings.append(Finding(check: "ledger_vs_payments", detail: "\(rail) \(figure): collector.payments \(fromPayments), ledger clearing \(fromLedger)"))
                }
            }
            return findings
        }
    }

    /// Every journal entry of the run reached QuickBooks exactly once (`DocNumber` `CP-<entry id>`)
    /// and is recorded as synced.
    func glSync(_ received: [String: Int]) throws -> [Finding] {
        var findings: [Finding] = []
        for row in try database.query("""
            SELECT j.entry_id, j.policy_id, j.entry_number, s.entry_id IS NOT NULL AS synced
            FROM ledger.journal_entries j LEFT JOIN gl.synced_entries s ON s.entry_id = j.entry_id
            WHERE j.policy_id LIKE $1 || '%' ORDER BY j.entry_id
            """, [prefix]) {
            let id: Int64 = try row.decode("entry_id")
            let times = received["CP-\(id)"] ?? 0
            let synced: Bool = try row.decode("synced")
            if times != 1 || !synced {
                let entry = row["entry_number"].map { " entry \($0)" } ?? ""
                findings.append(Finding(check: "gl_sync", detail: "\(row["policy_id"] ?? "-")\(entry): journal entry \(id) reached QuickBooks \(times) times\(synced ? "" : ", not recorded as synced")"))
            }
        }
        return findings
    }
}
