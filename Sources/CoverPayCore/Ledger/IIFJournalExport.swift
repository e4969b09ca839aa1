/// The IIF export for QuickBooks Desktop: each journal entry is one GENERAL JOURNAL transaction,
/// its first line the `TRNS` row and the others `SPL` rows, closed by `ENDTRNS`, after the three
/// header rows `!TRNS`, `!SPL`, `!ENDTRNS`. Tab-separated; amounts are positive for a debit and
/// negative for a credit, so each transaction sums to zero; dates are MM/DD/YYYY; accounts are
/// named as in the chart (QuickBooks Desktop matches accounts by name). IIF has no quoting, so a
/// tab or line break inside a memo or name becomes a space.
public enum IIFJournalExport {
    static let columns = ["TRNSID", "TRNSTYPE", "DATE", "ACCNT", "AMOUNT", "DOCNUM", "MEMO"]
    static let transactionType = "GENERAL JOURNAL"

    public static func render(_ entries: [LedgerEntry]) -> String {
        var output = row(["!TRNS"] + columns) + row(["!SPL", "SPLID"] + columns.dropFirst()) + row(["!ENDTRNS"])
        for entry in entries {
            for (index, line) in entry.lines.enumerated() {
                output += row([
                    index == 0 ? "TRNS" : "SPL", "", transactionType, date(entry.postedOn), clean(line.accountName),
                    line.signedAmount.description, entry.documentNumber, clean(entry.memo),
                ])
            }
            output += row(["ENDTRNS"])
        }
        return output
    }

    static func date(_ date: CalendarDate) -> String {
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(pad(date.month))/\(pad(date.day))/\(date.year)"
    }

    static func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }

    static func row(_ fields: [String]) -> String { fields.joined(separator: "\t") + "\r\n" }
}
