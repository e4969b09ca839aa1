import Foundation
import Testing

/// `COVERPAY_BATCH_LINGER_MS`: after the first message a consumer waits that long for more before
/// its transaction, so a steady trickle shares commits. Messages handled in one batch share one
/// transaction, which their inbox rows show as one `received_at` (`now()`, the transaction's start;
/// not `xmin`, which is each message's savepoint's own).
@Suite("Consumer linger", .serialized)
struct ConsumerLingerTests {
    @Test("with a linger, an event arriving 300 ms after another shares its transaction")
    func lingerBatchesATrickle() async throws {
        #expect(try await Self.transactions(linger: 1000) == 1)
    }

    @Test("without one, each event is taken as it comes, in a transaction of its own")
    func noLingerTakesEachAsItComes() async throws {
        #expect(try await Self.transactions(linger: 0) == 2)
    }

    /// Two `policy.issued` 300 ms apart through one scheduler consumer; the transactions their inbox rows were written in.
    private static func transactions(linger: Int) async throws -> Int {
        let scheduler = try WorkerProcess("scheduler", environment: ["COVERPAY_CONSUMERS": "1", "COVERPAY_BATCH_LINGER_MS": "\(linger)"])
        try await scheduler.waitUntilReady()
        let prefix = Events.uniqueID("linger")
        let events = [Events.issued(policy: "\(prefix)-1"), Events.issued(policy: "\(prefix)-2")]
        try LiveServices.publish(events[0])
        try await Task.sleep(for: .milliseconds(300))
        try LiveServices.publish(events[1])
        try await LiveServices.eventually("both schedules stored") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.policies WHERE policy_id LIKE $1", ["\(prefix)-%"]) == 2
        }
        try await scheduler.terminate()
        return try LiveServices.count(
            "SELECT count(DISTINCT received_at) AS n FROM coverpay.inbox WHERE consumer = 'scheduler.events' AND message_id = ANY($1)",
            [events.map { $0["id"]!.stringValue! }]
        )
    }
}
