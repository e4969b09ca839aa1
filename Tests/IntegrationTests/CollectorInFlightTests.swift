import CoverPayCore
import Foundation
import Testing

/// The card rail with a slow processor and many requests in flight per replica: every attempt is
/// sent to the processor once — counted from the sandbox's own books, replays of a key included —
/// through a `kill -9` in the middle and across replicas.
extension CollectorSuites {
@Suite("Collector: card requests in flight", .serialized)
struct CardInFlight {
    init() throws { try LiveServices.isolate() }

    static let slowProcessor = CollectorFixture.environment().merging([
        "COVERPAY_SANDBOX_CARD_LATENCY_MS": "300", "COVERPAY_COLLECTOR_CARD_INFLIGHT": "8",
    ]) { $1 }

    /// Charge requests the processor received for the attempt, replays of its key included.
    static func chargeRequests(policy: String) throws -> Int {
        try LiveServices.count("SELECT count(*) AS n FROM sandbox.card_calls WHERE kind = 'charge' AND idempotency_key LIKE $1", ["\(policy):%"])
    }

    static func publishDue(_ policies: [String], times: Int = 1) async throws {
        for policy in policies { try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card())) }
        for policy in policies { try await CollectorFixture.known(policy) }
        for policy in policies {
            for _ in 0..<times { try LiveServices.publish(CollectorFixture.due(policy: policy)) }
        }
    }

    @Test("300 ms latency, 8 in flight: kill -9 with several requests out, every attempt charged once after the restart")
    func killedWithRequestsInFlight() async throws {
        let run = Events.uniqueID("card-inflight")
        let policies = (0..<24).map { "\(run)-\($0)" }
        let doomed = try WorkerProcess("collector", environment: Self.slowProcessor)
        try await doomed.waitUntilReady()
        try await Self.publishDue(policies)
        let sentAndOpen = "SELECT count(*) AS n FROM collector.payments WHERE policy_id LIKE $1 AND status = 'pending' AND sent_at IS NOT NULL"
        try await LiveServices.eventually("several requests in flight at once", timeout: .seconds(30)) {
            try LiveServices.count(sentAndOpen, ["\(run)-%"]) > 1
        }
        try await doomed.kill9()
        let openAtKill = try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id LIKE $1 AND status = 'pending'", ["\(run)-%"])
        #expect(openAtKill > 1)

        let survivor = try WorkerProcess("collector", environment: Self.slowProcessor)
        try await survivor.waitUntilReady()
        for policy in policies {
            try await LiveServices.eventually("\(policy) succeeded", timeout: .seconds(60)) { try CollectorFixture.status(policy: policy) == "succeeded" }
        }
        try await Task.sleep(for: .seconds(1))
        var statusQueries = 0
        for policy in policies {
            #expect(try Self.chargeRequests(policy: policy) == 1, "\(policy)")
            #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1, "\(policy)")
            statusQueries += try CollectorFixture.calls(policy: policy, kind: "status")
        }
        // The attempts sent before the kill were settled by asking for their keys, not by charging again.
        #expect(statusQueries >= 1)
        try await survivor.terminate()
    }

    @Test("two slow replicas, every installment announced twice: one charge request per attempt")
    func twoSlowReplicas() async throws {
        let run = Events.uniqueID("card-inflight-replicas")
        let policies = (0..<20).map { "\(run)-\($0)" }
        let replicas = try (0..<2).map { _ in try WorkerProcess("collector", environment: Self.slowProcessor) }
        for replica in replicas { try await replica.waitUntilReady() }
        try await Self.publishDue(policies, times: 2)
        for policy in policies {
            try await LiveServices.eventually("\(policy) succeeded", timeout: .seconds(60)) { try CollectorFixture.status(policy: policy) == "succeeded" }
        }
        try await Task.sleep(for: .seconds(1))
        for policy in policies {
            #expect(try Self.chargeRequests(policy: policy) == 1, "\(policy)")
            #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1, "\(policy)")
        }
        for replica in replicas { try await replica.terminate() }
    }
}
}
