import CoverPayCore
import Postgres

/// Reads posted journal entries with their lines and account names, in entry order, for the
/// exports and the general-ledger sync.
public enum LedgerEntryReader {
    /// Entries posted on `from`...`through` (inclusive), by posting date then entry id.
    public static func entries(postedFrom from: CalendarDate, through: CalendarDate, _ database: PostgresConnection) throws -> [LedgerEntry] {
        try read(
            "SELECT entry_id FROM ledger.journal_entries WHERE posted_on BETWEEN $1::date AND $2::date",
            [from.description, through.description], database
        )
    }

    /// The entries among `chosen` (a query yielding `entry_id`), with their lines.
    static func read(_ chosen: String, _ parameters: [(any PostgresEncodable)?], _ database: PostgresConnection) throws -> [LedgerEntry] {
        let rows = try database.query(
            """
            SELECT e.entry_id, e.posted_on::text AS posted_on, e.memo, l.account_code, a.name AS account_name, a.parent_code,
                   l.debit_cents, l.credit_cents
            FROM (\(chosen)) AS chosen
            JOIN ledger.journal_entries e ON e.entry_id = chosen.entry_id
            JOIN ledger.journal_lines l ON l.entry_id = e.entry_id
            JOIN ledger.accounts a ON a.code = l.account_code
            ORDER BY e.posted_on, e.entry_id, l.line_number
            """,
            parameters
        )
        var entries: [LedgerEntry] = []
        var current: (id: Int64, postedOn: CalendarDate, memo: String, lines: [LedgerLine])?
        for row in rows {
            let id: Int64 = try row.decode("entry_id")
            if current?.id != id {
                if let done = current { entries.append(LedgerEntry(entryID: done.id, postedOn: done.postedOn, memo: done.memo, lines: done.lines)) }
                current = (id, try CalendarDate(iso: try row.decode("posted_on")), try row.decode("memo"), [])
            }
            current?.lines.append(LedgerLine(
                accountCode: try row.decode("account_code"), accountName: try row.decode("account_name"), parentCode: row["parent_code"],
                debit: Money(cents: try row.decode("debit_cents")), credit: Money(cents: try row.decode("credit_cents"))
            ))
        }
        if let done = current { entries.append(LedgerEntry(entryID: done.id, postedOn: done.postedOn, memo: done.memo, lines: done.lines)) }
        return entries
    }
}
