import Foundation
import PropertyBased
import Testing
@testable import CoverPayCore

/// `PolicySchedule.storageText` / `init(storageText:)`: the scheduler's stored form of the engine's
/// state, written as a `JSONValue` and read through `JSONValue.parse`. (Rows in the older
/// `JSONEncoder` form are rewritten by migration 013; `FleetTests.legacyStoredScheduleIsMigrated`.)
@Suite struct ScheduleStorageTests {
    // MARK: Round trips

    /// Issuance of every frequency and method, endorsements, cancellations, reinstatements and
    /// payments (the property tests' histories), half of them with awkward names and ids and the
    /// issuance's optional fields. A field the writer leaves out or the reader ignores makes the
    /// schedules differ; the counts show that every optional field was exercised.
    @Test func randomSchedulesRoundTrip() async {
        let seen = FieldsSeen()
        await ScheduleWalk.randomHistories { walk, seed in
            var rng = SplitMix64(state: seed ^ 0x5EED)
            var schedule = walk.schedule
            if Bool.random(using: &rng) { Self.decorate(&schedule, &rng) }
            Self.expectRoundTrip(schedule)
            seen.record(schedule)
        }
        for (field, count) in seen.counts { #expect(count > 0, "no random history had \(field)") }
    }

    @Test func anUnissuedScheduleRoundTrips() throws {
        let schedule = PolicySchedule(policyID: "POL-EMPTY")
        #expect(schedule.storageText == #"{"en":[],"id":"POL-EMPTY","it":[],"pd":[],"st":"awaiting_issuance","tt":[],"tx":[],"v":1}"#)
        Self.expectRoundTrip(schedule)
    }

    @Test func theFormIsCompactPositionalAndInCents() throws {
        #expect(try Self.reference() == """
            {"en":[[1,"2026-01-31","issuance","Valid",true,[[0,3334,100,-2]]],[2,"2026-02-28","issuance","Valid",false,[[0,3334,100,-2]]],\
            [3,"2026-03-31","issuance","Valid",false,[[0,3333,100,-1]]]],"id":"POL-1","is":{"currency":"USD","frequency":"monthly",\
            "line":"auto","method":"modal","number":"PN-1","state":"CA","term":["2026-01-31","2026-04-30"]},\
            "it":[["coverage","COV-1","Item COV-1"]],"pd":["2026-01-31","2026-02-28","2026-03-31"],"st":"active",\
            "tt":[[10001,300,-5]],"tx":["TX-1"],"v":1}
            """)
    }

    /// Every property of the schedule and of its issuance has its key when it has a value.
    @Test func everyFieldIsWritten() throws {
        var schedule = try Self.cancelled()
        var rng = SplitMix64(state: 17)
        Self.decorate(&schedule, &rng, everyField: true)
        let stored = try JSONValue.parse(Array(schedule.storageText.utf8))
        #expect(stored.objectValue?.keys.sorted() == ["cn", "en", "id", "is", "it", "pd", "st", "tt", "tx", "v"])
        #expect(stored["is"]?.objectValue?.keys.sorted() == [
            "agency", "carrier", "commission", "currency", "frequency", "line", "method", "number", "payment_method", "state", "term",
        ])
        Self.expectRoundTrip(schedule)
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
        #expect(try PolicySchedule(storageText: schedule.storageText) == schedule)
    }

    @Test func anyKeyOrderAndWhiteSpaceIsRead() throws {
        var rng = SplitMix64(state: 7)
        var walk = ScheduleWalk(frequency: .quarterly, method: .daily, itemCount: 3, seed: 42)
        walk.run()
        var schedule = walk.schedule
        Self.decorate(&schedule, &rng)
        let tree = try JSONValue.parse(Array(schedule.storageText.utf8))
        // PostgreSQL's jsonb order (shorter keys first) and spacing, as migration 013 writes rows.
        #expect(try PolicySchedule(storageText: Self.spaced(tree)) == schedule)
        #expect(try PolicySchedule(storageText: "\n\t " + schedule.storageText + " \r\n") == schedule)
    }

    @Test func nullOptionalMembersReadAsAbsent() throws {
        let schedule = try Self.cancelled()
        guard case .object(var members) = try JSONValue.parse(Array(schedule.storageText.utf8)),
              case .object(var issuance) = members["is"] else { Issue.record("not an object"); return }
        for key in ["payment_method", "carrier", "agency", "commission"] { issuance[key] = .null }
        members["is"] = .object(issuance)
        let read = try PolicySchedule(storageText: JSONValue.object(members).serialized())
        #expect(read.issuance?.carrierID == nil && read.issuance?.paymentMethod == nil && read.issuance?.commissionRate == nil)
        members["cn"] = .null
        #expect(try PolicySchedule(storageText: JSONValue.object(members).serialized()).cancellationEntryNumber == nil)
    }

    // MARK: Refused text

    @Test func everyTruncationThrows() throws {
        var walk = ScheduleWalk(frequency: .monthly, method: .daily, itemCount: 3, seed: 99)
        walk.run()
        var schedule = walk.schedule
        var rng = SplitMix64(state: 3)
        Self.decorate(&schedule, &rng)
        let bytes = Array(schedule.storageText.utf8)
        for length in 0..<bytes.count {
            #expect(throws: ScheduleStorageError.self) {
                try PolicySchedule(storageText: String(decoding: bytes[..<length], as: UTF8.self))
            }
        }
    }

    /// Random byte edits either fail with a `ScheduleStorageError` or still describe a schedule;
    /// none may trap.
    @Test func garbledTextNeverTraps() async throws {
        var walk = ScheduleWalk(frequency: .monthly, method: .modal, itemCount: 3, seed: 5)
        walk.run()
        var schedule = walk.schedule
        var decorations = SplitMix64(state: 11)
        Self.decorate(&schedule, &decorations)
        let text = Array(schedule.storageText.utf8)
        let alphabet = Array(#"{}[]",:0123456789-.eE \tnulltruefalse\u"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        await propertyCheck(count: 2000, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            var bytes = text
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
        (#"[2,"2026-02-28""#, #"[2,20260228"#, "entries[1].scheduleDate", "expected a string"),
        (#""issuance","Valid",true"#, #""issuance","Paid",true"#, "entries[0].status", "'Paid'"),
        (#""issuance","Valid",true"#, #""renewal","Valid",true"#, "entries[0].transaction", "'renewal'"),
        (#"[[0,3334,100,-2]]"#, #"[[4,3334,100,-1]]"#, "entries[0].details[0].itemIndex", "not an index"),
        (#"[[0,3334,100,-2]]"#, #"[[0,3334,100]]"#, "entries[0].details[0].tax", "is missing"),
        (#"[[0,3334,100,-2]]"#, #"[[0,3334,100,-2,7]]"#, "entries[0].details[0]", "has 5 elements"),
        (#"[[0,3334,100,-2]]"#, #"[[0,99999999999999999999,100,-1]]"#, "entries[0].details[0].premium", "expected an integer"),
        (#"[2,"2026-02-28""#, #"[7,"2026-02-28""#, "entries[1].entryNumber", "must be 2"),
        (#"true,[[0,3334,100,-2]]]"#, "true]", "entries[0].details", "is missing"),
        (#""v":1"#, #""v":2"#, "v", "unsupported storage version 2"),
        (#""v":1"#, #""v":"1""#, "v", "expected an integer"),
        (#""id":"POL-1","#, "", "policyID", "is missing"),
        (#""st":"active""#, #""st":"lapsed""#, "state", "'lapsed'"),
        (#""st":"active""#, #""st":"awaiting_issuance""#, "state", "does not fit"),
        (#""term":["2026-01-31","2026-04-30"]"#, #""term":["2026-04-30","2026-01-31"]"#, "issuance.term", "must be after"),
        (#""term":["2026-01-31","2026-04-30"]"#, #""term":["2026-01-31"]"#, "issuance.term.end", "is missing"),
        (#""frequency":"monthly""#, #""frequency":"weekly""#, "issuance.billing.frequency", "'weekly'"),
        (#""currency":"USD""#, #""currency":"EUR""#, "issuance.currency", "'EUR'"),
        (#""line":"auto","#, "", "issuance.lineOfBusiness", "is missing"),
        (#""tt":[[10001,300,-5]]"#, #""tt":[]"#, "transactionTotals", "0 rows for 1 items"),
        (#""tt":[[10001,300,-5]]"#, #""tt":{"premium":1}"#, "transactionTotals", "expected an array"),
        (#""it":[["coverage","#, #""it":[["policy","#, "items[0].kind", "'policy'"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1",7]"#, "appliedTransactionIDs[1]", "expected a string"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1"],"cn":9"#, "cancellationEntryNumber", "not one of the 3 entries"),
        (#""tx":["TX-1"]"#, #""tx":["TX-1",]"#, "", "byte"),
        (#""id":"POL-1""#, "\"id\":\"POL\u{07}-1\"", "", "unescaped control character"),
        (#""id":"POL-1""#, #""id":"POL\x-1""#, "", "after '\\'"),
        (#""v":1}"#, #""v":1},"#, "", "end of input"),
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
        ("", "", "byte 0"),
        ("   ", "", "byte 3"),
        ("[]", "", "expected an object"),
        ("null", "", "expected an object"),
        ("{", "", "byte 1"),
        ("{}", "v", "is missing (key 'v')"),
        // The `JSONEncoder` form, which migration 013 rewrote: refused, not half read.
        (#"{"policyID":"P","state":"active","entries":[],"planDates":[],"items":[],"transactionTotals":[],"appliedTransactionIDs":[]}"#, "v", "is missing"),
        (#"{"v":1,"policyID":"P"}"#, "policyID", "is missing (key 'id')"),
    ])
    func brokenDocumentsAreNamed(_ text: String, _ field: String, _ words: String) throws {
        let error = try #require(throws: ScheduleStorageError.self) { try PolicySchedule(storageText: text) }
        #expect(error.field == field, "\(error)")
        #expect(error.problem.contains(words), "\(error)")
    }

    // MARK: Helpers

    static func expectRoundTrip(_ schedule: PolicySchedule, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            #expect(try PolicySchedule(storageText: schedule.storageText) == schedule, sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
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

    /// A schedule whose cancellation is open (`cancellationEntryNumber` set), one entry paid.
    static func cancelled() throws -> PolicySchedule {
        var schedule = Fixture.schedule(Fixture.issuance(items: [Fixture.item("COV-1", premium: "1200.00", fee: "12", tax: "60")]))
        try schedule.markPaid(entryNumber: 1)
        try schedule.apply(Fixture.transaction(
            .cancellation(reason: .nonpayment), sequence: 2, effective: "2026-05-15", items: [Fixture.item("COV-1", premium: "-300.00")]
        ))
        #expect(schedule.cancellationEntryNumber != nil)
        return schedule
    }

    /// Awkward names and ids, and the issuance's optional fields (all of them with `everyField`),
    /// chosen by `rng`.
    static func decorate(_ schedule: inout PolicySchedule, _ rng: inout SplitMix64, everyField: Bool = false) {
        let pieces = ["a", "Z9", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "✓", "𝄞", "日本", "\u{2028}", "\\u0041"]
        func text() -> String {
            (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        func some() -> Bool { everyField || Bool.random(using: &rng) }
        schedule.items = schedule.items.map { PolicyItem(kind: $0.kind, ref: $0.ref, name: text()) }
        schedule.appliedTransactionIDs = schedule.appliedTransactionIDs.map { $0 + text() }
        guard schedule.issuance != nil else { return }
        schedule.issuance?.policyNumber = "P" + text()
        schedule.issuance?.carrierID = some() ? text() : nil
        schedule.issuance?.agencyID = some() ? text() : nil
        schedule.issuance?.commissionRate = some() ? "0.15" : nil
        schedule.issuance?.paymentMethod = switch everyField ? 2 : Int.random(in: 0...2, using: &rng) {
        case 0: nil
        case 1: .object(["type": .string("card"), "token": .string(text()), "last4": .string("4242")])
        default: .object([
            "type": .string("ach"), "account": .object(["holder": .string(text()), "kinds": .array([.string("checking"), .null, .bool(true)])]),
            "authorization": .object(["signed": .bool(false), "version": .number("2")]),
        ])
        }
    }

    /// JSON text with a space after every ':' and ',' and shorter keys first, as PostgreSQL writes jsonb.
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

/// How many of the random histories had each optional part of a schedule, so that the round-trip
/// property shows it covered them.
private final class FieldsSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: Int] = [
        "an issuance": 0, "a payment method": 0, "a carrier": 0, "an agency": 0, "a commission rate": 0,
        "an open cancellation": 0, "a paid entry": 0, "an Invalid entry": 0, "several transactions": 0,
    ]

    var counts: [(String, Int)] { lock.withLock { seen.sorted { $0.key < $1.key } } }

    func record(_ schedule: PolicySchedule) {
        let issuance = schedule.issuance
        let present: [String: Bool] = [
            "an issuance": issuance != nil, "a payment method": issuance?.paymentMethod != nil,
            "a carrier": issuance?.carrierID != nil, "an agency": issuance?.agencyID != nil,
            "a commission rate": issuance?.commissionRate != nil,
            "an open cancellation": schedule.cancellationEntryNumber != nil,
            "a paid entry": schedule.entries.contains { $0.isPaid },
            "an Invalid entry": schedule.entries.contains { $0.status == .invalid },
            "several transactions": schedule.appliedTransactionIDs.count > 1,
        ]
        lock.withLock { for (field, isPresent) in present where isPresent { seen[field, default: 0] += 1 } }
    }
}
