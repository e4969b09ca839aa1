import CoverPayCore
import Postgres

/// The demo report's money figures, each computed from the fleet's published events as the report
/// shows them (unapplied cash: the scheduler's balance) and again from the ledger's account
/// movements, for the policies of one book (`policy_id LIKE prefix%`). They must agree to the cent
/// (issue #12): a payment published twice, posted twice, or never posted shows here as a difference.
///
/// Settlements are compared for payments not returned since: a chargeback in the same settlement
/// file as its charge may reach accounting-sync before the settlement, which is then not posted
/// (docs/accounting.md); posted first, it is reversed with the collection. The ledger nets to the
/// same either way, but its gross settled movement depends on that order.
struct LedgerReconciliation {
    struct Figure {
        let name: String
        /// As the report adds it up from the events.
        let report: Money
        /// The matching account movement in the ledger.
        let ledger: Money
        /// Which accounts and rules `ledger` sums, for the reader.
        let source: String
        var agrees: Bool { report == ledger }
    }

    let figures: [Figure]
    var agrees: Bool { figures.allSatisfy(\.agrees) }

    /// SQL: journal entry `j` has not been reversed.
    private static let standing = "NOT EXISTS (SELECT 1 FROM ledger.journal_entries r WHERE r.reverses_entry_id = j.entry_id)"

    static func measure(_ database: PostgresConnection, prefix: String) throws -> LedgerReconciliation {
        func cents(_ field: String) -> String { "coalesce(sum(round((body->'data'->>'\(field)')::numeric * 100)), 0)::bigint" }
        let notReturned = """
            NOT EXISTS (SELECT 1 FROM coverpay.payment_events r WHERE r.type = 'coverpay.payment.returned' AND r.policy_id = s.policy_id
                        AND r.body->'data'->>'payment_id' = s.body->'data'->>'payment_id')
            """
        let events = try database.query("""
            SELECT
              (SELECT \(cents("total")) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.succeeded') AS collected,
              (SELECT \(cents("total")) FROM coverpay.payment_events s WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.settled' AND \(notReturned)) AS settled,
              (SELECT \(cents("processor_fee")) FROM coverpay.payment_events s WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.settled' AND \(notReturned)) AS fees,
              (SELECT \(cents("total")) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.payment.returned'
                  AND coalesce((body->'data'->>'late')::boolean, false)) AS returned,
              (SELECT \(cents("amount")) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.refund.requested') AS refunds,
              -- Upstream's own payment.received is not in the timeline (only what the fleet publishes
              -- is), so unapplied cash is the scheduler's balance, which every such payment moves.
              (SELECT coalesce(sum(unapplied_cents), 0)::bigint FROM scheduler.policies WHERE policy_id LIKE $1 || '%') AS unapplied
            """, [prefix])[0]
        let ledger = try database.query("""
            SELECT
              coalesce(sum(l.debit_cents) FILTER (WHERE j.rule = 'payment_collected' AND l.account_code IN ('1030', '1035')), 0) AS collected,
              coalesce(sum(l.credit_cents) FILTER (WHERE j.rule = 'payment_settled' AND l.account_code IN ('1030', '1035') AND \(standing)), 0) AS settled,
              coalesce(sum(l.debit_cents) FILTER (WHERE j.rule = 'payment_settled' AND l.account_code = '5010' AND \(standing)), 0) AS fees,
              coalesce(sum(l.credit_cents) FILTER (WHERE l.account_code IN ('1030', '1035') AND reversed.rule = 'payment_collected'), 0) AS returned,
              coalesce(sum(l.credit_cents) FILTER (WHERE j.rule = 'refund_owed' AND l.account_code = '2090'), 0) AS refunds,
              coalesce(sum(l.credit_cents - l.debit_cents) FILTER (WHERE l.account_code = '2060'), 0) AS unapplied
            FROM ledger.journal_entries j JOIN ledger.journal_lines l ON l.entry_id = j.entry_id
                 LEFT JOIN ledger.journal_entries reversed ON reversed.entry_id = j.reverses_entry_id
            WHERE j.policy_id LIKE $1 || '%'
            """, [prefix])[0]
        let rows: [(String, String, String)] = [
            ("collected", "collected", "clearing 1030 + 1035 debited by payment_collected"),
            ("settled, not returned since", "settled", "clearing 1030 + 1035 credited by payment_settled, not reversed"),
            ("processor fees, not returned since", "fees", "5010 debited by payment_settled, not reversed"),
            ("returned after collection", "returned", "clearing credited by reversals of payment_collected"),
            ("refunds owed", "refunds", "2090 credited by refund_owed"),
            ("unapplied cash", "unapplied", "2060 balance"),
        ]
        return LedgerReconciliation(figures: try rows.map { name, column, source in
            Figure(name: name, report: Money(cents: try events.decode(column)), ledger: Money(cents: try ledger.decode(column)), source: source)
        })
    }

    /// `coverpay recon report` (its figures as data, over the book's dates only) against the same
    /// book's ledger: card charges and ACH deposits against the collections, settled against the
    /// settlements still standing, and card chargebacks against their reversals. (Its processor fees
    /// include those of payments charged back since, whose settlement the ledger may not have
    /// posted, as above; the report comparison covers the fees that stand.)
    static func measure(_ database: PostgresConnection, prefix: String, reconReport report: JSONValue) throws -> LedgerReconciliation {
        let ledger = try database.query("""
            SELECT
              coalesce(sum(l.debit_cents) FILTER (WHERE j.rule = 'payment_collected' AND l.account_code = '1030'), 0) AS card_collected,
              coalesce(sum(l.debit_cents) FILTER (WHERE j.rule = 'payment_collected' AND l.account_code = '1035'), 0) AS ach_collected,
              coalesce(sum(l.credit_cents) FILTER (WHERE j.rule = 'payment_settled' AND l.account_code IN ('1030', '1035') AND \(standing)), 0) AS settled,
              coalesce(sum(l.credit_cents) FILTER (WHERE l.account_code = '1030' AND reversed.rule = 'payment_collected'), 0) AS card_returned
            FROM ledger.journal_entries j JOIN ledger.journal_lines l ON l.entry_id = j.entry_id
                 LEFT JOIN ledger.journal_entries reversed ON reversed.entry_id = j.reverses_entry_id
            WHERE j.policy_id LIKE $1 || '%'
            """, [prefix])[0]
        func amount(_ value: JSONValue?) -> Money { value?.stringValue.flatMap { try? Money(parsing: $0) } ?? .zero }
        let card = report["rails"]?["card"]
        let rows: [(String, Money, String, String)] = [
            ("card charges (rails.card.expected)", amount(card?["expected"]), "card_collected", "1030 debited by payment_collected"),
            ("ACH deposits (deposited)", amount(report["deposited"]), "ach_collected", "1035 debited by payment_collected"),
            ("settled, not returned (settled)", amount(report["settled"]), "settled", "clearing credited by payment_settled, not reversed"),
            ("card chargebacks (rails.card.returned)", amount(card?["returned"]), "card_returned", "1030 credited by reversals of payment_collected"),
        ]
        return LedgerReconciliation(figures: try rows.map { name, reported, column, source in
            Figure(name: name, report: reported, ledger: Money(cents: try ledger.decode(column)), source: source)
        })
    }
}
