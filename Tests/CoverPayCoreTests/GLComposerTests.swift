import Testing
@testable import CoverPayCore

/// QuickBooks Online JournalEntry documents from ledger entries: detailed and daily summary,
/// account mapping with sub-account fallback, and the stop at an unmapped account.
@Suite struct GLComposerTests {
    static let mapping = GLAccountMapping([
        "1030": .init(id: "35", name: "Clearing"), "2010": .init(id: "40"), "2070": .init(id: "41"), "1010": .init(id: "30"),
    ])

    static func line(_ code: String, _ cents: Int64, parent: String? = nil) -> LedgerLine {
        LedgerLine(accountCode: code, accountName: "Account \(code)", parentCode: parent, debit: Money(cents: max(cents, 0)), credit: Money(cents: max(-cents, 0)))
    }

    static func entry(_ id: Int64, _ date: String, _ lines: [LedgerLine]) throws -> LedgerEntry {
        LedgerEntry(entryID: id, postedOn: try CalendarDate(iso: date), memo: "entry \(id)", lines: lines)
    }

    /// "PostingType account amount" of each line.
    static func summary(_ document: GLDocument) -> [String] {
        (document.journalEntry?["Line"]?.arrayValue ?? []).map { line in
            let detail = line["JournalEntryLineDetail"]
            return "\(detail?["PostingType"]?.stringValue ?? "") \(detail?["AccountRef"]?["value"]?.stringValue ?? "") \(line["Amount"]?.serialized() ?? "")"
        }
    }

    @Test func detailedModeMakesOneBalancedJournalEntryPerLedgerEntry() throws {
        let entries = [
            try Self.entry(7, "2026-05-01", [Self.line("1030", 12_000), Self.line("2010-C9", -10_000, parent: "2010"), Self.line("2070", -2_000)]),
            try Self.entry(8, "2026-05-01", [Self.line("1010", 500), Self.line("1030", -500)]),
        ]
        let composed = GLComposer.compose(entries, mode: .detailed, mapping: Self.mapping, limit: 30)
        #expect(composed.stoppedBy == nil)
        #expect(composed.documents.map(\.entryIDs) == [[7], [8]])
        #expect(Self.summary(composed.documents[0]) == ["Debit 35 120.00", "Credit 40 100.00", "Credit 41 20.00"], "a carrier sub-account posts to its parent's mapping")
        let journalEntry = try #require(composed.documents[0].journalEntry)
        #expect(journalEntry["DocNumber"] == .string("CP-7") && journalEntry["TxnDate"] == .string("2026-05-01"))
        #expect(journalEntry["Line"]?.arrayValue?[0]["DetailType"] == .string("JournalEntryLineDetail"))
        #expect(journalEntry["Line"]?.arrayValue?[0]["JournalEntryLineDetail"]?["AccountRef"]?["name"] == .string("Clearing"))
        #expect(GLComposer.compose(entries, mode: .detailed, mapping: Self.mapping, limit: 1).documents.count == 1)
    }

    @Test func anUnmappedAccountStopsAtThatEntryAndSkipsNothingAfterIt() throws {
        let entries = [
            try Self.entry(1, "2026-05-01", [Self.line("1030", 100), Self.line("2070", -100)]),
            try Self.entry(2, "2026-05-01", [Self.line("1030", 100), Self.line("4030", -100)]),
            try Self.entry(3, "2026-05-01", [Self.line("1030", 100), Self.line("2070", -100)]),
        ]
        let composed = GLComposer.compose(entries, mode: .detailed, mapping: Self.mapping, limit: 30)
        #expect(composed.documents.map(\.entryIDs) == [[1]])
        #expect(composed.stoppedBy == .missing(accountCode: "4030", accountName: "Account 4030"))
        #expect(composed.stoppedBy?.description.contains("4030") == true)
    }

    @Test func dailySummaryNetsEachAccountPerDayAndRecordsADayThatNetsToNothing() throws {
        let entries = [
            try Self.entry(1, "2026-05-01", [Self.line("1030", 10_000), Self.line("2010", -8_000), Self.line("2070", -2_000)]),
            try Self.entry(2, "2026-05-01", [Self.line("1030", 5_000), Self.line("2010", -5_000)]),
            try Self.entry(3, "2026-05-02", [Self.line("1010", 700), Self.line("1030", -700)]),
            try Self.entry(4, "2026-05-02", [Self.line("1030", 700), Self.line("1010", -700)]),
        ]
        let composed = GLComposer.compose(entries, mode: .dailySummary, mapping: Self.mapping, limit: 30)
        #expect(composed.documents.map(\.entryIDs) == [[1, 2], [3, 4]])
        #expect(Self.summary(composed.documents[0]) == ["Debit 35 150.00", "Credit 40 130.00", "Credit 41 20.00"])
        #expect(composed.documents[0].docNumber == "CPD20260501-1")
        #expect(composed.documents[1].journalEntry == nil, "a reversal within the day nets to nothing: nothing to send")
    }

    @Test func mappingReadsIdsOrObjectsAndRefusesAnythingElse() throws {
        let mapping = try GLAccountMapping(json: #"{"1010": "30", "2010": {"id": "40", "name": "Payable"}}"#)
        #expect(mapping.targets == ["1010": .init(id: "30"), "2010": .init(id: "40", name: "Payable")])
        #expect(throws: GLMappingError.self) { try GLAccountMapping(json: #"{"1010": 30}"#) }
        #expect(throws: GLMappingError.self) { try GLAccountMapping(json: "[1]") }
    }
}
