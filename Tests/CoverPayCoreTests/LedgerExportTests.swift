import Foundation
import PropertyBased
import Testing
@testable import CoverPayCore

/// IIF and CSV journal exports, read back here by small independent readers.
@Suite struct LedgerExportTests {
    static func entry(_ id: Int64, on date: String = "2026-03-07", memo: String = "collected", _ lines: [(String, String, Int64)]) throws -> LedgerEntry {
        LedgerEntry(entryID: id, postedOn: try CalendarDate(iso: date), memo: memo, lines: lines.map { code, name, cents in
            LedgerLine(accountCode: code, accountName: name, debit: Money(cents: max(cents, 0)), credit: Money(cents: max(-cents, 0)))
        })
    }

    static let sample: [LedgerEntry] = [
        try! entry(41, memo: "card captured, policy \"P-1\", entry 2", [("1030", "Card processor clearing", 12_345), ("2010", "Carrier premium payable", -10_000), ("2070", "Commission pending finality", -2_345)]),
        try! entry(42, on: "2026-03-08", memo: "tab\there, line\nbreak", [("2090", "Refunds payable", 500), ("1010", "Premium trust cash", -500)]),
    ]

    @Test func iifHasTheThreeHeadersAndOneGeneralJournalTransactionPerEntry() {
        let rows = IIFJournalExport.render(Self.sample).split(separator: "\r\n", omittingEmptySubsequences: false).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == ["!TRNS", "TRNSID", "TRNSTYPE", "DATE", "ACCNT", "AMOUNT", "DOCNUM", "MEMO"])
        #expect(rows[1] == ["!SPL", "SPLID", "TRNSTYPE", "DATE", "ACCNT", "AMOUNT", "DOCNUM", "MEMO"])
        #expect(rows[2] == ["!ENDTRNS"])
        #expect(rows[3] == ["TRNS", "", "GENERAL JOURNAL", "03/07/2026", "Card processor clearing", "123.45", "CP-41", "card captured, policy \"P-1\", entry 2"])
        #expect(rows[4] == ["SPL", "", "GENERAL JOURNAL", "03/07/2026", "Carrier premium payable", "-100.00", "CP-41", "card captured, policy \"P-1\", entry 2"])
        #expect(rows[5][0] == "SPL" && rows[5][5] == "-23.45")
        #expect(rows[6] == ["ENDTRNS"])
        #expect(rows[7][3] == "03/08/2026" && rows[7][7] == "tab here, line break", "tabs and line breaks inside a field become spaces")
        #expect(rows.last == [""], "the file ends with a line break")
    }

    @Test func csvQuotesWhatNeedsQuotingAndKeepsBothSides() {
        let text = CSVJournalExport.render(Self.sample)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "entry_id,posted_on,memo,account_code,account_name,debit,credit")
        #expect(lines[1] == "41,2026-03-07,\"card captured, policy \"\"P-1\"\", entry 2\",1030,Card processor clearing,123.45,0.00")
        #expect(lines[2] == "41,2026-03-07,\"card captured, policy \"\"P-1\"\", entry 2\",2010,Carrier premium payable,0.00,100.00")
        #expect(lines[4].hasPrefix("42,2026-03-08,\"tab\there, line\nbreak\""))
        #expect(Self.readCSV(text).count == 1 + 5)
    }

    /// Random balanced entries: every IIF transaction sums to zero and the CSV read back gives each
    /// entry's lines to the cent, in order.
    @Test func exportsReadBackEqualTheEntries() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            let entries = Self.randomEntries(&rng)
            var iifTotals: [Int64] = []
            for row in IIFJournalExport.render(entries).components(separatedBy: "\r\n").map({ $0.components(separatedBy: "\t") }) {
                if row[0] == "TRNS" { iifTotals.append(0) }
                if row[0] == "TRNS" || row[0] == "SPL" { iifTotals[iifTotals.count - 1] += (try? Money(parsing: row[5]).cents) ?? .max / 2 }
            }
            #expect(iifTotals == Array(repeating: 0, count: entries.count))
            let rows = Self.readCSV(CSVJournalExport.render(entries)).dropFirst()
            let expected = entries.flatMap { entry in entry.lines.map { [String(entry.entryID), entry.postedOn.description, entry.memo, $0.accountCode, $0.accountName, $0.debit.description, $0.credit.description] } }
            #expect(Array(rows) == expected)
        }
    }

    static func randomEntries(_ rng: inout SplitMix64) -> [LedgerEntry] {
        let names = ["1010": "Premium trust cash", "1030": "Card processor clearing", "2010": "Carrier premium payable, \"main\"", "2070": "Commission pending finality"]
        let memos = ["plain", "with, comma", "with \"quotes\"", "multi\nline", ""]
        return (0..<Int.random(in: 1...6, using: &rng)).map { index in
            let debit = Int64.random(in: 1...9_999_999, using: &rng)
            let split = Int64.random(in: 0...debit, using: &rng)
            var lines = [(code: "1030", cents: debit), (code: "2010", cents: -(debit - split))]
            if split > 0 { lines.append((code: "2070", cents: -split)) }
            if lines[1].cents == 0 { lines.remove(at: 1) }
            return LedgerEntry(
                entryID: Int64(index + 1), postedOn: CalendarDate(daysSinceEpoch: Int.random(in: 19_000...21_000, using: &rng)),
                memo: memos.randomElement(using: &rng)!, lines: lines.map {
                    LedgerLine(accountCode: $0.code, accountName: names[$0.code]!, debit: Money(cents: max($0.cents, 0)), credit: Money(cents: max(-$0.cents, 0)))
                }
            )
        }
    }

    /// A minimal RFC 4180 reader, independent of the writer: quoted fields, doubled quotes, CRLF rows.
    static func readCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text.unicodeScalars)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(character) }
            } else if character == "\"" { quoted = true }
            else if character == "," { row.append(field); field = "" }
            else if character == "\r" && characters.first == "\n" { characters.removeFirst(); row.append(field); rows.append(row); row = []; field = "" }
            else { field.unicodeScalars.append(character) }
        }
        return rows
    }
}
