import CoverPayCore
import Foundation
import Testing

/// The QuickBooks Online sync against tests/python/fake_qbo.py, with the real accounting-sync
/// binary and the real PostgreSQL (docs/gl-sync.md).
@Suite("GL sync to QuickBooks Online", .serialized)
struct GLSyncTests {
    init() throws {
        try LiveServices.isolate()
        try GLSyncFixtures.reset()
    }

    /// Each of `ids` exists exactly once at the fake, under its DocNumber.
    func expectEachOnce(_ ids: [Int64], at fake: FakeQBO, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let counts = try fake.createdCounts()
        for id in ids {
            #expect(counts["CP-\(id)"] == 1, "entry \(id) created \(counts["CP-\(id)"] ?? 0) times", sourceLocation: sourceLocation)
        }
    }

    @Test("entries are synced once each, in batches of at most the batch size, with their amounts, and gl.synced per batch")
    func syncedOnce() async throws {
        let fake = try FakeQBO()
        var ids = try (1...23).map { try GLSyncFixtures.postEntry(total: 10_000 + Int64($0), commission: 1_500 + Int64($0)) }
        let worker = try WorkerProcess("accounting-sync", environment: fake.environment(extra: ["COVERPAY_QBO_BATCH_SIZE": "10"]))
        try await worker.waitUntilReady()
        try await LiveServices.eventually("23 entries synced", timeout: .seconds(60)) { try GLSyncFixtures.synced(ids) == 23 }
        // An entry posted while the worker runs is picked up too.
        ids.append(try GLSyncFixtures.postEntry(total: 777, commission: 77))
        try await LiveServices.eventually("the late entry synced", timeout: .seconds(60)) { try GLSyncFixtures.synced(ids) == 24 }
        try await worker.terminate()

        try expectEachOnce(ids, at: fake)
        #expect(try GLSyncFixtures.pending(ids) == 0)
        let requests = try fake.requests()
        #expect(requests.allSatisfy { ($0["items"]?.intValue ?? 0) <= 10 }, "no batch above 10 items")
        #expect(Set(requests.compactMap { $0["requestid"]?.stringValue }).count == requests.count, "a fresh requestid per batch")
        #expect(requests.allSatisfy { $0["minorversion"]?.stringValue == "75" })
        // The first entry's JournalEntry at the fake carries the ledger's lines to the cent (the fake keeps amounts as sent).
        let first = try #require(try fake.state()["journal_entries"]?.arrayValue?.first { $0["DocNumber"]?.stringValue == "CP-\(ids[0])" })
        let lines = first["Line"]?.arrayValue ?? []
        let posted = lines.map { "\($0["JournalEntryLineDetail"]?["PostingType"]?.stringValue ?? "") \($0["JournalEntryLineDetail"]?["AccountRef"]?["value"]?.stringValue ?? "") \($0["Amount"]?.stringValue ?? "")" }
        #expect(posted == ["Debit qbo-1030 100.01", "Credit qbo-2010 85.00", "Credit qbo-2070 15.01"])
        #expect(first["TxnDate"]?.stringValue == "2026-11-20")
        let events = try LiveServices.count(
            "SELECT count(*) AS n FROM coverpay.payment_events WHERE type = 'coverpay.gl.synced' AND (body->'data'->>'through_entry_id')::bigint = ANY($1::bigint[])",
            [GLSyncFixtures.array(ids)]
        )
        #expect(events >= 3, "one gl.synced per batch (23 + 1 entries in batches of 10)")
        // The rotated refresh token was kept: the fake accepts only the newest one.
        #expect(try fake.state()["token_grants"]?.intValue ?? 0 >= 1)
    }

    @Test("a crash in the middle of a batch (worker killed while QuickBooks hangs) leaves each entry there exactly once after restart")
    func crashMidBatch() async throws {
        let fake = try FakeQBO()
        try fake.script(["hang"])
        let ids = try (1...5).map { try GLSyncFixtures.postEntry(total: 20_000 + Int64($0), commission: 3_000) }
        let first = try WorkerProcess("accounting-sync", environment: fake.environment())
        try await first.waitUntilReady()
        try await LiveServices.eventually("the fake received the batch and hangs", timeout: .seconds(60)) {
            try fake.requests().contains { $0["action"]?.stringValue == "hang" }
        }
        try expectEachOnce(ids, at: fake) // QuickBooks applied the batch; its answer is lost
        // No transaction or row lock is held across the call (docs/gl-sync.md): while QuickBooks
        // hangs, accounting-sync has no session sitting in an open transaction.
        try await Task.sleep(for: .seconds(2))
        #expect(try GLSyncFixtures.sessionsIdleInTransaction(longerThanSeconds: 1) == 0)
        try await first.kill9()
        try fake.release()
        #expect(try GLSyncFixtures.pending(ids) == 5, "nothing recorded as synced without an answer")

        let second = try WorkerProcess("accounting-sync", environment: fake.environment())
        try await second.waitUntilReady()
        try await LiveServices.eventually("entries recorded as synced after restart", timeout: .seconds(60)) { try GLSyncFixtures.synced(ids) == 5 }
        try await second.terminate()

        try expectEachOnce(ids, at: fake)
        let requests = try fake.requests()
        let hung = try #require(requests.first { $0["action"]?.stringValue == "hang" })
        #expect(requests.contains { $0["requestid"] == hung["requestid"] && $0["replayed"] == .bool(true) },
                "the batch was resent under the same requestid and answered from QuickBooks' record")
    }

    @Test("a revoked access token and a storm of 429s and 500s are ridden out without loss or duplicates")
    func throttleStorm() async throws {
        let fake = try FakeQBO()
        try fake.script(["401"] + Array(repeating: "429", count: 5) + ["500", "500", "429"])
        let ids = try (1...12).map { try GLSyncFixtures.postEntry(total: 30_000 + Int64($0), commission: 4_000) }
        let worker = try WorkerProcess("accounting-sync", environment: fake.environment(extra: ["COVERPAY_QBO_MAX_ATTEMPTS": "6"]))
        try await worker.waitUntilReady()
        try await LiveServices.eventually("all entries synced through the storm", timeout: .seconds(90)) { try GLSyncFixtures.synced(ids) == 12 }
        try await worker.terminate()
        try expectEachOnce(ids, at: fake)
        let refused = try fake.requests().filter { ["401", "429", "500"].contains($0["action"]?.stringValue ?? "") }
        #expect(refused.count == 9, "every scripted refusal was met")
        #expect(try fake.state()["token_grants"]?.intValue == 2, "the 401 refreshed the access token once, with the rotated refresh token")
        #expect(try GLSyncFixtures.status([:])["last_error"] == .null, "the storm's error cleared once the batch went through")
    }

    @Test("a Fault is surfaced as a clear error in gl sync status and the entries wait; gl sync run sends them once fixed")
    func faultSurfaced() async throws {
        let fake = try FakeQBO()
        try fake.script(["fault"])
        let ids = try (1...2).map { try GLSyncFixtures.postEntry(total: 5_000 + Int64($0), commission: 500) }
        let worker = try WorkerProcess("accounting-sync", environment: fake.environment())
        try await worker.waitUntilReady()
        try await LiveServices.eventually("the fault recorded", timeout: .seconds(60)) {
            try GLSyncFixtures.status(fake.environment())["last_error"] != .null
        }
        try await worker.terminate()
        let status = try GLSyncFixtures.status(fake.environment())
        #expect(status["last_error"]?["code"]?.stringValue == "fault")
        let message = status["last_error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("ValidationFault 6000") && message.contains("You must select an account"), "\(message)")
        #expect(message.contains("\(ids[0])"), "the error names the ledger entries")
        #expect(!message.contains(FakeQBO.clientSecret) && !message.contains("access-") && !message.contains("refresh-"))
        #expect(try GLSyncFixtures.pending(ids) == 2)
        #expect(try fake.createdCounts().isEmpty)
        let human = try LiveServices.coverpay(["gl", "sync", "status"], environment: fake.environment())
        #expect(human.stdout.contains("[fault]") && human.stdout.contains("2 pending"), "\(human.stdout)")

        let run = try LiveServices.coverpay(["gl", "sync", "run"], environment: fake.environment())
        #expect(run.status == 0, "\(run.stderr)")
        try expectEachOnce(ids, at: fake)
        #expect(try GLSyncFixtures.status(fake.environment())["last_error"] == .null)
    }

    @Test("a request refused as a whole (HTTP 400 Fault) closes the batch: the entries wait, and a later run sends them under a new requestid")
    func requestRefused() async throws {
        let fake = try FakeQBO()
        try fake.script(["400"])
        let ids = try (1...3).map { try GLSyncFixtures.postEntry(total: 8_000 + Int64($0), commission: 800) }
        let refused = try LiveServices.coverpay(["gl", "sync", "run"], environment: fake.environment())
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("[fault]") && refused.stderr.contains("ValidationFault 2020"), "\(refused.stderr)")
        let status = try GLSyncFixtures.status(fake.environment())
        #expect(status["pending"]?.intValue == 3 && status["in_flight"]?.intValue == 0, "no batch left in flight")
        #expect(try fake.createdCounts().isEmpty)

        let run = try LiveServices.coverpay(["gl", "sync", "run"], environment: fake.environment())
        #expect(run.status == 0, "\(run.stderr)")
        try expectEachOnce(ids, at: fake)
        let requestIDs = try fake.requests().compactMap { $0["requestid"]?.stringValue }
        #expect(requestIDs.count == 2 && Set(requestIDs).count == 2)
    }

    @Test("a missing account mapping stops the sync at that entry: earlier entries sent, it and later ones wait")
    func missingMapping() async throws {
        let fake = try FakeQBO()
        let withoutReturnFee = Dictionary(uniqueKeysWithValues: GLSyncFixtures.chart.filter { $0 != "4030" }.map { ($0, "qbo-\($0)") })
        let environment = fake.environment(mapping: withoutReturnFee)
        let before = try GLSyncFixtures.postEntry(total: 1_000, commission: 100)
        let unmapped = try GLSyncFixtures.postEntry(total: 2_000, commission: 200, creditAccount: "4030")
        let after = try GLSyncFixtures.postEntry(total: 3_000, commission: 300)
        let run = try LiveServices.coverpay(["gl", "sync", "run"], environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.contains("4030") && run.stderr.contains("mapping_missing"), "\(run.stderr)")
        #expect(try GLSyncFixtures.synced([before]) == 1)
        #expect(try GLSyncFixtures.pending([unmapped, after]) == 2)
        #expect(try fake.createdCounts().keys.sorted() == ["CP-\(before)"])
        #expect(try GLSyncFixtures.status(environment)["last_error"]?["code"]?.stringValue == "mapping_missing")

        // Mapped, the rest goes, in order.
        let fixed = try LiveServices.coverpay(["gl", "sync", "run"], environment: fake.environment())
        #expect(fixed.status == 0, "\(fixed.stderr)")
        try expectEachOnce([before, unmapped, after], at: fake)
    }

    @Test("an entry whose transaction commits after a later entry was synced is still synced (no high-water mark skips it)")
    func lateCommit() async throws {
        let fake = try FakeQBO()
        let slow = try LiveServices.database()
        try slow.query("BEGIN")
        let early = try GLSyncFixtures.postEntry(total: 6_100, commission: 610, on: slow)
        let later = try GLSyncFixtures.postEntry(total: 6_200, commission: 620)
        #expect(early < later, "the uncommitted entry took the smaller id")
        let worker = try WorkerProcess("accounting-sync", environment: fake.environment())
        try await worker.waitUntilReady()
        try await LiveServices.eventually("the later entry synced", timeout: .seconds(60)) { try GLSyncFixtures.synced([later]) == 1 }
        try slow.query("COMMIT")
        try await LiveServices.eventually("the early entry synced once it committed", timeout: .seconds(60)) { try GLSyncFixtures.synced([early]) == 1 }
        try await worker.terminate()
        try expectEachOnce([early, later], at: fake)
    }

    @Test("two accounting-sync replicas send each entry once")
    func twoReplicas() async throws {
        let fake = try FakeQBO()
        let ids = try (1...25).map { try GLSyncFixtures.postEntry(total: 7_000 + Int64($0), commission: 700) }
        let workers = try (1...2).map { _ in try WorkerProcess("accounting-sync", environment: fake.environment(extra: ["COVERPAY_QBO_BATCH_SIZE": "5"])) }
        for worker in workers { try await worker.waitUntilReady() }
        try await LiveServices.eventually("25 entries synced", timeout: .seconds(90)) { try GLSyncFixtures.synced(ids) == 25 }
        for worker in workers { try await worker.terminate() }
        try expectEachOnce(ids, at: fake)
    }

    @Test("daily-summary mode sends one netted JournalEntry per finished day and waits for the current day")
    func dailySummary() async throws {
        let fake = try FakeQBO()
        try LiveServices.coverpay(["clock", "set", "2026-11-22"])
        defer { _ = try? LiveServices.coverpay(["clock", "reset"]) }
        let dayOne = try [10_000, 20_000].map { try GLSyncFixtures.postEntry(total: Int64($0), commission: 1_000, postedOn: "2026-11-20") }
        let dayTwo = try GLSyncFixtures.postEntry(total: 5_000, commission: 500, postedOn: "2026-11-21")
        let today = try GLSyncFixtures.postEntry(total: 9_900, commission: 990, postedOn: "2026-11-22")
        let worker = try WorkerProcess("accounting-sync", environment: fake.environment(extra: ["COVERPAY_QBO_MODE": "daily_summary"]))
        try await worker.waitUntilReady()
        try await LiveServices.eventually("the two finished days synced", timeout: .seconds(60)) { try GLSyncFixtures.synced(dayOne + [dayTwo]) == 3 }
        try await Task.sleep(for: .seconds(1))
        try await worker.terminate()
        #expect(try GLSyncFixtures.pending([today]) == 1, "the current day waits until it is over")
        let created = try fake.state()["journal_entries"]?.arrayValue ?? []
        let days = created.filter { ["2026-11-20", "2026-11-21"].contains($0["TxnDate"]?.stringValue ?? "") }
        #expect(days.map { $0["DocNumber"]?.stringValue ?? "" } == ["CPD20261120-\(dayOne[0])", "CPD20261121-\(dayTwo)"])
        let lines = (days.first?["Line"]?.arrayValue ?? []).map { "\($0["JournalEntryLineDetail"]?["PostingType"]?.stringValue ?? "") \($0["JournalEntryLineDetail"]?["AccountRef"]?["value"]?.stringValue ?? "") \($0["Amount"]?.stringValue ?? "")" }
        #expect(lines == ["Debit qbo-1030 300.00", "Credit qbo-2010 280.00", "Credit qbo-2070 20.00"], "netted per account over the day")
    }

    @Test("sync is off without a realm: nothing is sent and status says so")
    func offWithoutRealm() async throws {
        let fake = try FakeQBO()
        var environment = fake.environment()
        environment["COVERPAY_QBO_REALM_ID"] = ""
        let id = try GLSyncFixtures.postEntry(total: 4_200, commission: 420)
        let worker = try WorkerProcess("accounting-sync", environment: environment)
        try await worker.waitUntilReady()
        try await Task.sleep(for: .seconds(2))
        try await worker.terminate()
        #expect(try fake.requests().isEmpty)
        #expect(try GLSyncFixtures.pending([id]) == 1)
        let status = try GLSyncFixtures.status(environment)
        #expect(status["enabled"] == .bool(false) && status["realm_id"] == .null)
        let run = try LiveServices.coverpay(["gl", "sync", "run"], environment: environment)
        #expect(run.status == 0 && run.stdout.contains("off"), "\(run.stdout)")
        #expect(try fake.requests().isEmpty)
    }
}
