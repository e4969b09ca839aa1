import Foundation
import PropertyBased
import Testing
@testable import CoverPayCore

/// `PolicySchedule.storageText` / `init(storageText:)`: the scheduler's stored form of the engine's state.
@Suite struct ScheduleStorageTests {
    // MARK: Round trips

    /// Issuance of every frequency and method, endorsements, cancellations, reinstatements and
    /// payments (the property tests' histories), half of them with awkward names and ids.
    @Test func randomSchedulesRoundTripInBothForms() async {
        await ScheduleWalk.randomHistories { walk, seed in
            var rng = SplitMix64(state: seed ^ 0x5EED)
            var schedule = walk.schedule
            if Bool.random(using: &rng) { Self.decorate(&schedule, &rng) }
            Self.expectRoundTrips(schedule)
        }
    }

    @Test func anUnissuedScheduleRoundTrips() throws {
        let schedule = PolicySchedule(policyID: "POL-EMPTY")
        #expect(schedule.storageText == #"{"v":1,"id":"POL-EMPTY","st":"awaiting_issuance","pd":[],"it":[],"tt":[],"tx":[],"en":[]}"#)
        Self.expectRoundTrips(schedule)
    }

    @Test func theFormIsCompactPositionalAndInCents() throws {
        var schedule = Fixture.schedule(Fixture.issuance(
            start: "2026-01-31", end: "2026-04-30",
            items: [Fixture.item("COV-1", premium: "100.01", fee: "3", tax: "-0.05")]
        ))
        try schedule.markPaid(entryNumber: 1)
        #expect(schedule.storageText == """
            {"v":1,"id":"POL-1","st":"active","is":{"number":"PN-1","state":"CA","line":"auto",\
            "term":["2026-01-31","2026-04-30"],"currency":"USD","frequency":"monthly","method":"modal"},\
            "pd":["2026-01-31","2026-02-28","2026-03-31"],"it":[["coverage","COV-1","Item COV-1"]],\
            "tt":[[10001,300,-5]],"tx":["TX-1"],"en":[[1,"2026-01-31","issuance","Valid",true,[[0,3334,100,-2]]],\
            [2,"2026-02-28","issuance","Valid",false,[[0,3334,100,-2]]],[3,"2026-03-31","issuance","Valid",false,[[0,3333,100,-1]]]]}
            """)
    }

    @Test(arguments: [
        "say \"hi\"", #"C:\path\"#, "line\nbreak\ttab\r", "bell\u{07} nul\u{00} esc\u{1B} del\u{7F}",
        "café ✓ 𝄞 日本", "\u{2028}\u{2029}", "/slash/", "", "\\u0041 is not an escape here",
    ])
    func awkwardStringsRoundTrip(_ text: String) throws {
        var schedule = Fixture.schedule(Fixture.issuance(items: [Fixture.item("R", premium: "12.00")], policyID: text.isEmpty ? "P" : text))
        schedule.items[0] = PolicyItem(kind: .asset, ref: text, name: text)
        schedule.appliedTransactionIDs.append(text)
        schedule.issuance?.carrierID = text
        schedule.issuance?.paymentMethod = .object(["holder": .string(text), "n": .number("3")])
        let stored = schedule.storageText
        #expect(throws: Never.self) { try JSONValue.parse(Array(stored.utf8)) }
        #expect(try PolicySchedule(storageText: stored) == schedule)
    }

    @Test func anyKeyOrderAndWhiteSpaceIsRead() throws {
        var rng = SplitMix64(state: 7)
        var walk = ScheduleWalk(frequency: .quarterly, method: .daily, itemCount: 3, seed: 42)
        walk.run()
        var schedule = walk.schedule
        Self.decorate(&schedule, &rng)
        let tree = try JSONValue.parse(Array(schedule.storageText.utf8))
        // Sorted keys put "v" last; jsonb-like spacing after ':' and ','.
        #expect(try PolicySchedule(storageText: tree.serialized()) == schedule)
        #expect(try PolicySchedule(storageText: Self.spaced(tree)) == schedule)
        #expect(try PolicySchedule(storageText: "\n\t " + schedule.storageText + " \r\n") == schedule)
    }

    @Test func legacyRowsAreReadAsPostgreSQLReturnsThem() throws {
        var walk = ScheduleWalk(frequency: .monthly, method: .modal, itemCount: 4, seed: 1234)
        walk.run()
        let legacy = try JSONValue.parse(JSONEncoder().encode(walk.schedule))
        #expect(legacy["v"] == nil)
        #expect(try PolicySchedule(storageText: Self.spaced(legacy)) == walk.schedule)
    }

    // MARK: Refused text

    @Test func everyTruncationThrows() throws {
        var walk = ScheduleWalk(frequency: .monthly, method: .daily, itemCount: 3, seed: 99)
        walk.run()
        var schedule = walk.schedule
        var rng = SplitMix64(state: 3)
        Self.decorate(&schedule, &rng)
        for text in [schedule.storageText, try Self.legacyText(schedule)] {
            let bytes = Array(text.utf8)
            for length in 0..<bytes.count {
                #expect(throws: ScheduleStorageError.self) {
                    try PolicySchedule(storageText: String(decoding: bytes[..<length], as: UTF8.self))
                }
            }
        }
        let error = try #require(throws: ScheduleStorageError.self) {
            try PolicySchedule(storageText: String(schedule.storageText.dropLast(40)))
        }
        #expect(error.problem.contains("end of the text"), "\(error)")
    }

    /// Random byte edits either fail with a `ScheduleStorageError` or still describe a schedule;
    /// none may trap.
    @Test func garbledTextNeverTraps() async throws {
        var walk = ScheduleWalk(frequency: .monthly, method: .modal, itemCount: 3, seed: 5)
        walk.run()
        var schedule = walk.schedule
        var decorations = SplitMix64(state: 11)
        Self.decorate(&schedule, &decorations)
        let texts = [Array(schedule.storageText.utf8), Array(try Self.legacyText(schedule).utf8)]
        let alphabet = Array(#"{}[]",:0123456789-.eE \tnulltruefalse\u"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        await propertyCheck(count: 2000, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            var bytes = texts[Int(seed % 2)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...2, using: &rng) {
                case 0: bytes[index] = alphabet.randomElement(using: &rng)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &rng)!, at: index)
                }
            }
            do throws(ScheduleStorageError) {
                _ = try PolicySchedule(storageText: String(decoding: bytes, as: UTF8.self))
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test(arguments: [
        // (edit of the reference text, field named, words in the problem)
        (#"[1,"2026-01-31","issuance","Valid",true,[[0,"#, #"[1,"2026-01-31","issuance","Valid","no",[[0,"#, "entries[0].isPaid", "true or false"),
        (#"[[0,3334,"#, #"[[0,"33.34","#, "entries[0].details[0].premium", "expected an integer"),
        (#"[[0,3334,100,-2]]"#, #"[[0,3334,100,-2.5]]"#, "entries[0].details[0].tax", "expected an integer"),
        (#"[2,"2026-02-28""#, #"[2,"2026-02-30""#, "entries[1].scheduleDate", "not a valid calendar date"),
        (#"[2,"2026-02-28""#, #"[2,20260228"#, "entries[1].scheduleDate", "YYYY-MM-DD"),
        (#""issuance","Valid",true"#, #""issuance","Paid",true"#, "entries[0].status", "'Paid'"),
        (#""issuance","Valid",true"#, #""renewal","Valid",true"#, "entries[0].transaction", "'renewal'"),
        (#"[[0,3334,100,-2]]"#, #"[[4,3334,100,-1]]"#, "entries[0].details[0].itemIndex", "not an index"),
        (#"[[0,3334,100,-2]]"#, #"[[0,3334,100]]"#, "entries[0].details[0].tax", "is missing"),
        (#"[[0,3334,100,-2]]"#, #"[[0,3334,100,-2,7]]"#, "entries[0].details[0]", "more than 4 elements"),
        (#"[[0,3334,100,-2]]"#, #"[[0,99999999999999999999,100,-1]]"#, "entries[0].details[0].premium", "out of range"),
        (#"[2,"2026-02-28""#, #"[7,"2026-02-28""#, "entries[1].entryNumber", "must be 2"),
        (#"true,[[0,3334,100,-2]]]"#, "true]", "entries[0].details", "is missing"),
        (#""v":1"#, #""v":2"#, "v", "unsupported storage version 2"),
        (#""v":1"#, #""v":"1""#, "v", "expected an integer"),
        (#""id":"POL-1","#, "", "policyID", "is missing"),
        (#""id":"POL-1","#, #""id":"POL-1","zz":0,"#, "", "unknown key 'zz'"),
        (#""id":"POL-1","#, #""id":"POL-1","id":"POL-2","#, "policyID", "appears twice"),
        (#""st":"active""#, #""st":"lapsed""#, "state", "'lapsed'"),
        (#""st":"active""#, #""st":"awaiting_issuance""#, "state", "does not fit"),
        (#""term":["2026-01-31","2026-04-30"]"#, #""term":["2026-04-30","2026-01-31"]"#, "issuance.term", "must be after"),
        (#""term":["2026-01-31","2026-04-30"]"#, #""term":["2026-01-31"]"#, "issuance.term", "only a start"),
        (#""frequency":"monthly""#, #""frequency":"weekly""#, "issuance.frequency", "'weekly'"),
        (#""currency":"USD""#, #""currency":"EUR""#, "issuance.currency", "'EUR'"),
        (#""line":"auto","#, "", "issuance.line", "is missing"),
        (#""line":"auto""#, #""line":"auto","colour":"red""#, "issuance", "unknown key 'colour'"),
        (#""tt":[[10001,300,-5]]"#, #""tt":[]"#, "transactionTotals", "0 rows for 1 items"),
        (#""tt":[[10001,300,-5]]"#, #""tt":{"premium":1}"#, "transactionTotals", "expected an array"),
        (#""it":[["coverage","#, #""it":[["policy","#, "items[0].kind", "'policy'"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1",7]"#, "appliedTransactionIDs[1]", "expected a string"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1",]"#, "appliedTransactionIDs[1]", "expected a string"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1""#, "appliedTransactionIDs", "expected ',' or ']'"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1"],"cn":9"#, "cancellationEntryNumber", "not one of the 3 entries"),
        (#""id":"POL-1""#, "\"id\":\"POL\u{07}-1\"", "policyID", "unescaped control character"),
        (#""id":"POL-1""#, #""id":"POL\x-1""#, "policyID", "escape"),
        (#"]]]}"#, #"]]]},"#, "", "end of the text after the schedule object"),
    ])
    func brokenFieldsAreNamed(_ original: String, _ replacement: String, _ field: String, _ words: String) throws {
        let reference = try Self.reference()
        let text = reference.replacingOccurrences(of: original, with: replacement)
        #expect(text != reference, "the edit must apply")
        let error = try #require(throws: ScheduleStorageError.self) { try PolicySchedule(storageText: text) }
        #expect(error.field == field, "\(error)")
        #expect(error.problem.contains(words), "\(error)")
        #expect(error.description.contains(words))
    }

    @Test(arguments: [
        ("", "", "the text is empty"),
        ("   ", "", "the text is empty"),
        ("[]", "", "expected '{'"),
        ("null", "", "expected '{'"),
        ("{", "", "end of the text"),
        ("{}", "policyID", "legacy"),
        (#"{"policyID":"P"}"#, "state", "legacy"),
        (#"{"policyID":"P","state":"active","entries":[{"entryNumber":1,"scheduleDate":5}]}"#, "entries[0].scheduleDate", "legacy"),
        (#"{"v":1,"policyID":"P"}"#, "", "unknown key 'policyID'"),
        (#"{"id":"P","st":"active"}"#, "v", "is missing"),
        (#"{"policyID":"P","state":"active","entries":[],"planDates":[],"items":[],"transactionTotals":[{"premium":"1.00","fee":"0.00","tax":"0.00"}],"appliedTransactionIDs":[]}"#, "transactionTotals", "1 rows for 0 items"),
        (#"{"policyID":"P","v":1}"#, "", "unknown key 'policyID'"),
    ])
    func brokenDocumentsAreNamed(_ text: String, _ field: String, _ words: String) throws {
        let error = try #require(throws: ScheduleStorageError.self) { try PolicySchedule(storageText: text) }
        #expect(error.field == field, "\(error)")
        #expect(error.problem.contains(words), "\(error)")
    }

    // MARK: Helpers

    static func expectRoundTrips(_ schedule: PolicySchedule, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            #expect(try PolicySchedule(storageText: schedule.storageText) == schedule, sourceLocation: sourceLocation)
            #expect(try PolicySchedule(storageText: legacyText(schedule)) == schedule, "legacy JSONEncoder form", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    static func legacyText(_ schedule: PolicySchedule) throws -> String {
        String(decoding: try JSONEncoder().encode(schedule), as: UTF8.self)
    }

    /// The text the edits in `brokenFieldsAreNamed` apply to: three monthly entries, one paid.
    static func reference() throws -> String {
        var schedule = Fixture.schedule(Fixture.issuance(
            start: "2026-01-31", end: "2026-04-30",
            items: [Fixture.item("COV-1", premium: "100.01", fee: "3", tax: "-0.05")]
        ))
        try schedule.markPaid(entryNumber: 1)
        return schedule.storageText
    }

    /// Awkward names and ids, and the issuance's optional fields, chosen by `rng`.
    static func decorate(_ schedule: inout PolicySchedule, _ rng: inout SplitMix64) {
        let pieces = ["a", "Z9", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "✓", "𝄞", "日本", "\u{2028}", "\\u0041"]
        func text() -> String {
            (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        schedule.items = schedule.items.map { PolicyItem(kind: $0.kind, ref: $0.ref, name: text()) }
        schedule.appliedTransactionIDs = schedule.appliedTransactionIDs.map { $0 + text() }
        guard schedule.issuance != nil else { return }
        schedule.issuance?.policyNumber = "P" + text()
        schedule.issuance?.carrierID = Bool.random(using: &rng) ? text() : nil
        schedule.issuance?.agencyID = Bool.random(using: &rng) ? text() : nil
        schedule.issuance?.commissionRate = Bool.random(using: &rng) ? "0.15" : nil
        schedule.issuance?.paymentMethod = switch Int.random(in: 0...2, using: &rng) {
        case 0: nil
        case 1: .object(["type": .string("card"), "token": .string(text()), "last4": .string("4242")])
        default: .object([
            "type": .string("ach"), "account": .object(["holder": .string(text()), "kinds": .array([.string("checking"), .null, .bool(true)])]),
            "authorization": .object(["signed": .bool(false), "version": .number("2")]),
        ])
        }
    }

    /// JSON text with a space after every ':' and ',', as PostgreSQL writes jsonb.
    static func spaced(_ value: JSONValue) -> String {
        switch value {
        case .array(let elements): "[" + elements.map(spaced).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.keys.sorted { ($0.utf8.count, $0) < ($1.utf8.count, $1) }
                .map { JSONValue.string($0).serialized() + ": " + spaced(members[$0]!) }
                .joined(separator: ", ") + "}"
        default: value.serialized()
        }
    }
}
