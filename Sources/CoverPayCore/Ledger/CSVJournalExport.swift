import Foundation

/// The CSV journal export (RFC 4180): one row per journal line with the entry it belongs to, so a
/// spreadsheet or an import tool reads it unchanged. Amounts are two-decimal strings, "0.00" on
/// the side that carries nothing; text fields are quoted when they hold a comma, a quote or a
/// line break; lines end in CRLF as RFC 4180 says.
public enum CSVJournalExport {
    public static let header = ["entry_id", "posted_on", "memo", "account_code", "account_name", "debit", "credit"]

    public static func render(_ entries: [LedgerEntry]) -> String {
        var output = row(header)
        for entry in entries {
            for line in entry.lines {
                output += row([
                    String(entry.entryID), entry.postedOn.description, entry.memo, line.accountCode, line.accountName,
                    line.debit.description, line.credit.description,
                ])
            }
        }
        return output
    }

    static func row(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
