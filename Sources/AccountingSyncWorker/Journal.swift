import CoverPayCore
import Fleet
import Postgres

/// Where a posting comes from: the event (or CLI run) and what it concerns.
public struct PostingSource: Sendable {
    public var eventID: String
    public var eventType: String
    public var policyID: String?
    public var entryNumber: Int?
    public var paymentID: String?
    public var carrierID: String?
    public var postedOn: String

    public init(eventID: String, eventType: String, policyID: String? = nil, entryNumber: Int? = nil, paymentID: String? = nil, carrierID: String? = nil, postedOn: String) {
        self.eventID = eventID
        self.eventType = eventType
        self.policyID = policyID
        self.entryNumber = entryNumber
        self.paymentID = paymentID
        self.carrierID = carrierID
        self.postedOn = postedOn
    }
}

/// Writes journal entries in the caller's transaction (a handler's: the runtime's savepoint around it).
public enum Journal {
    /// Posts the entries of one event and returns those written now (a leg already in the journal is
    /// skipped, so a redelivered or duplicated event posts nothing twice).
    ///
    /// Nothing is half-posted:
    /// 1. Every account must exist: carrier sub-accounts `2010-<carrier>` are created on first use;
    ///    any other unknown code refuses the whole posting (`unknown_account`) before a row is written.
    /// 2. Each entry is inserted with its idempotency key (`event id:v<rule version>:<leg>`); a key
    ///    already present means that leg was posted by an earlier delivery: it is skipped.
    /// 3. Its lines are inserted, in one statement.
    /// 4. `SET CONSTRAINTS … IMMEDIATE` runs the deferred balance triggers of migration 007 now, inside
    ///    the message's savepoint: an unbalanced entry fails this message alone (rolled back to its
    ///    savepoint and dead-lettered as `unbalanced_entry`) instead of the whole batch at commit.
    @discardableResult
    public static func post(_ drafts: [JournalEntryDraft], source: PostingSource, _ database: PostgresConnection) throws -> [(entryID: Int64, draft: JournalEntryDraft)] {
        let drafts = drafts.filter { !$0.isEmpty }
        guard !drafts.isEmpty else { return [] }
        try ensureAccounts(Set(drafts.flatMap { $0.lines.map(\.account) }), database)
        var posted: [(entryID: Int64, draft: JournalEntryDraft)] = []
        for draft in drafts {
            guard let row = try database.query(
                """
                INSERT INTO ledger.journal_entries
                    (idempotency_key, event_id, event_type, rule, rule_version, policy_id, entry_number, payment_id, carrier_id, posted_on, memo, reverses_entry_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12)
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING entry_id
                """,
                [draft.idempotencyKey(eventID: source.eventID), source.eventID, source.eventType, draft.rule, PostingRules.version,
                 source.policyID, source.entryNumber, source.paymentID, source.carrierID, source.postedOn, draft.memo, draft.reversesEntryID]
            ).first else { continue }
            let entryID: Int64 = try row.decode("entry_id")
            // One statement for all the lines: a round trip each cost the posting more than the rows.
            try database.query(
                """
                INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents, credit_cents)
                SELECT $1, line_number, account_code, debit_cents, credit_cents
                FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS line(account_code, debit_cents, credit_cents, line_number)
                """,
                [entryID, draft.lines.map(\.account), draft.lines.map(\.debit.cents), draft.lines.map(\.credit.cents)]
            )
            posted.append((entryID, draft))
        }
        do {
            try database.query("SET CONSTRAINTS ledger.journal_entry_balanced, ledger.journal_lines_balanced IMMEDIATE")
            try database.query("SET CONSTRAINTS ledger.journal_entry_balanced, ledger.journal_lines_balanced DEFERRED")
        } catch {
            // 23514 check_violation: the balance trigger refused an entry.
            guard error.sqlState == "23514" else { throw error }
            throw HandlerError.rejected(reason: "unbalanced_entry", detail: error.message)
        }
        return posted
    }

    /// Step 1 of `post`.
    private static func ensureAccounts(_ codes: Set<String>, _ database: PostgresConnection) throws {
        for code in codes where code.hasPrefix("\(LedgerAccount.carrierPayable)-") {
            let carrier = String(code.dropFirst(LedgerAccount.carrierPayable.count + 1))
            try database.query(
                """
                INSERT INTO ledger.accounts (code, name, kind, parent_code, carrier_id, fiduciary)
                VALUES ($1, 'Carrier premium payable: ' || $2, 'liability', $3, $2, 'liability') ON CONFLICT DO NOTHING
                """,
                [code, carrier, LedgerAccount.carrierPayable]
            )
        }
        let known = Set(try database.query("SELECT code FROM ledger.accounts WHERE code = ANY($1::text[])", [codes.sorted()]).map { try $0.decode("code", as: String.self) })
        let missing = codes.subtracting(known).sorted()
        guard missing.isEmpty else {
            throw HandlerError.rejected(reason: "unknown_account", detail: "the chart of accounts (ledger.accounts) has no account \(missing.joined(separator: ", ")); add it or fix the mapping")
        }
    }

    /// The entries still standing for a payment (not reversals, not yet reversed), in posting order.
    public static func standingEntries(paymentID: String, _ database: PostgresConnection) throws -> [PostedEntry] {
        var entries: [PostedEntry] = []
        for row in try database.query(
            """
            SELECT e.entry_id, l.account_code, l.debit_cents, l.credit_cents
            FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id)
            WHERE e.payment_id = $1 AND e.reverses_entry_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM ledger.journal_entries r WHERE r.reverses_entry_id = e.entry_id)
            ORDER BY e.entry_id, l.line_number
            """,
            [paymentID]
        ) {
            let entryID: Int64 = try row.decode("entry_id")
            let line = JournalLine(account: try row.decode("account_code"), debit: Money(cents: try row.decode("debit_cents")), credit: Money(cents: try row.decode("credit_cents")))
            if entries.last?.entryID == entryID {
                entries[entries.count - 1].lines.append(line)
            } else {
                entries.append(PostedEntry(entryID: entryID, lines: [line]))
            }
        }
        return entries
    }

    /// Account balances (debit minus credit) over entries posted on or before `asOf` (all when nil).
    public static func balances(asOf: String? = nil, _ database: PostgresConnection) throws -> [String: Money] {
        var balances: [String: Money] = [:]
        for row in try database.query(
            """
            SELECT l.account_code, sum(l.debit_cents)::bigint - sum(l.credit_cents)::bigint AS net
            FROM ledger.journal_lines l JOIN ledger.journal_entries e USING (entry_id)
            WHERE $1::date IS NULL OR e.posted_on <= $1::date GROUP BY l.account_code
            """,
            [asOf]
        ) {
            balances[try row.decode("account_code")] = Money(cents: try row.decode("net"))
        }
        return balances
    }

    /// The trust check over the whole journal, with the chart's own fiduciary flags.
    public static func trustCheck(_ database: PostgresConnection) throws -> TrustCheck {
        let fiduciary = Set(try database.query("SELECT code FROM ledger.accounts WHERE fiduciary = 'liability'").map { try $0.decode("code", as: String.self) })
        return TrustCheck(balances: try balances(database), isFiduciaryLiability: fiduciary.contains)
    }
}
