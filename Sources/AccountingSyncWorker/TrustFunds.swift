import CoverPayCore
import Fleet
import Postgres

/// Money moved out of (or back into) the premium trust account: carrier remittance and the
/// commission sweep. Used by `coverpay ledger remit|sweep-commission` and, for the sweep-back after a
/// return, by the worker. Both run under one advisory lock so two runs never compute from the same balance.
public enum TrustFunds {
    static let lockKey = "ledger.trust_funds"

    /// What the carrier can be paid through `through`: its payable posted on or before that date, less
    /// what is owed for collections not yet settled (that money is not in the trust account yet).
    public static func remittable(carrierID: String, through: String, _ database: PostgresConnection) throws -> Money {
        let row = try database.query(
            """
            SELECT coalesce((SELECT sum(l.credit_cents - l.debit_cents) FROM ledger.journal_lines l JOIN ledger.journal_entries e USING (entry_id)
                             WHERE l.account_code = $1 AND e.posted_on <= $2::date), 0)::bigint AS payable,
                   coalesce((SELECT sum(carrier_net_cents) FROM accounting.payments
                             WHERE carrier_id = $3 AND status = 'collected' AND NOT unapplied), 0)::bigint AS unsettled
            """,
            [LedgerAccount.carrierPayable(carrierID), through, carrierID]
        )[0]
        return max(Money(cents: try row.decode("payable")) - Money(cents: try row.decode("unsettled")), .zero)
    }

    /// Posts the remittance to the carrier; nil when nothing is owed.
    public static func remit(carrierID: String, through: String, runID: String, postedOn: String, _ database: PostgresConnection) throws -> (entryID: Int64, amount: Money)? {
        try lock(database)
        let amount = try remittable(carrierID: carrierID, through: through, database)
        guard amount > .zero else { return nil }
        let entry = try LedgerRejection.rejecting { () throws(LedgerError) in
            try PostingRules.remittance(carrierID: carrierID, amount: amount, memo: "remittance to carrier \(carrierID) through \(through)")
        }
        let source = PostingSource(eventID: runID, eventType: "cli.ledger.remit", carrierID: carrierID, postedOn: postedOn)
        return try Journal.post([entry], source: source, database).first.map { (entryID: $0.entryID, amount: amount) }
    }

    /// What the policy's insured is owed (refunds payable, 2090, on the policy's entries).
    public static func refundsOwed(policyID: String, _ database: PostgresConnection) throws -> Money {
        Money(cents: try database.query(
            """
            SELECT coalesce(sum(l.credit_cents - l.debit_cents), 0)::bigint AS owed
            FROM ledger.journal_lines l JOIN ledger.journal_entries e USING (entry_id) WHERE e.policy_id = $1 AND l.account_code = $2
            """,
            [policyID, LedgerAccount.refundsPayable]
        )[0].decode("owed"))
    }

    /// Records a refund paid to the insured out of the trust account: the whole amount owed, or
    /// `amount` when given (never more than is owed). Nil when nothing is owed.
    public static func payRefund(
        policyID: String, amount: Money?, reference: String, runID: String, postedOn: String, _ database: PostgresConnection
    ) throws -> (entryID: Int64, amount: Money)? {
        try lock(database)
        let owed = try refundsOwed(policyID: policyID, database)
        let paid = amount ?? owed
        guard paid > .zero, paid <= owed else {
            if amount == nil { return nil }
            throw HandlerError.rejected(reason: "refund_exceeds_owed", detail: "policy \(policyID) is owed \(owed), not \(paid)")
        }
        let entry = try LedgerRejection.rejecting { try PostingRules.refundPaid(paid, memo: "refund \(reference) paid to the insured") }
        let source = PostingSource(eventID: runID, eventType: "cli.ledger.pay-refund", policyID: policyID, postedOn: postedOn)
        return try Journal.post([entry], source: source, database).first.map { (entryID: $0.entryID, amount: paid) }
    }

    /// Income recognised on or before `through` (all when nil), less what was already swept.
    public static func sweepable(through: String?, _ database: PostgresConnection) throws -> Money {
        let row = try database.query(
            """
            SELECT coalesce((SELECT sum(l.credit_cents - l.debit_cents) FROM ledger.journal_lines l JOIN ledger.journal_entries e USING (entry_id)
                             WHERE l.account_code = ANY($1::text[]) AND ($2::date IS NULL OR e.posted_on <= $2::date)), 0)::bigint AS earned,
                   coalesce((SELECT sum(l.debit_cents - l.credit_cents) FROM ledger.journal_lines l JOIN ledger.journal_entries e USING (entry_id)
                             WHERE l.account_code = $3 AND e.rule = 'commission_sweep'), 0)::bigint AS swept
            """,
            [LedgerAccount.income.sorted(), through, LedgerAccount.operatingCash]
        )[0]
        return Money(cents: try row.decode("earned")) - Money(cents: try row.decode("swept"))
    }

    /// Sweeps earned income from trust to operating cash; nil when there is nothing to sweep.
    public static func sweep(through: String, runID: String, postedOn: String, _ database: PostgresConnection) throws -> (entryID: Int64, amount: Money)? {
        try lock(database)
        let amount = try sweepable(through: through, database)
        guard amount > .zero else { return nil }
        let entry = try LedgerRejection.rejecting { () throws(LedgerError) in
            try PostingRules.sweep(amount, leg: "sweep", memo: "commission and fee income swept to operating cash through \(through)")
        }
        let source = PostingSource(eventID: runID, eventType: "cli.ledger.sweep-commission", postedOn: postedOn)
        return try Journal.post([entry], source: source, database).first.map { (entryID: $0.entryID, amount: amount) }
    }

    /// After a return has taken back income that was already swept, operating cash pays it back into
    /// the trust account at once, so the trust invariant never depends on the next sweep.
    static func sweepBackIfNeeded(_ source: PostingSource, _ database: PostgresConnection) throws -> [(entryID: Int64, draft: JournalEntryDraft)] {
        try lock(database)
        let amount = try sweepable(through: nil, database)
        guard amount.isNegative else { return [] }
        let entry = try LedgerRejection.rejecting { () throws(LedgerError) in
            try PostingRules.sweep(amount, leg: "sweep_back", memo: "operating cash returns swept income taken back by a return")
        }
        return try Journal.post([entry], source: source, database)
    }

    /// After a return: if the policy's unapplied cash is overdrawn beyond what operating cash has
    /// already advanced for it (`PostingRules.trustCover`), operating cash advances the rest.
    static func coverOverdrawnUnappliedCash(_ source: PostingSource, _ database: PostgresConnection) throws -> [(entryID: Int64, draft: JournalEntryDraft)] {
        guard let policyID = source.policyID else { return [] }
        let row = try database.query(
            """
            SELECT coalesce(sum(l.debit_cents - l.credit_cents) FILTER (WHERE l.account_code = $2), 0)::bigint AS overdrawn,
                   coalesce(sum(l.debit_cents) FILTER (WHERE e.rule = 'trust_cover' AND l.account_code = $3), 0)::bigint AS covered
            FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id) WHERE e.policy_id = $1
            """,
            [policyID, LedgerAccount.unappliedCash, LedgerAccount.trustCash]
        )[0]
        let amount = Money(cents: try row.decode("overdrawn")) - Money(cents: try row.decode("covered"))
        guard amount > .zero else { return [] }
        let entry = try LedgerRejection.rejecting {
            try PostingRules.trustCover(amount, memo: "operating cash advances unapplied cash taken back by a return of policy \(policyID)")
        }
        return try Journal.post([entry], source: source, database)
    }

    private static func lock(_ database: PostgresConnection) throws {
        try database.query("SELECT pg_advisory_xact_lock(hashtext($1)) AS locked", [lockKey])
    }
}
