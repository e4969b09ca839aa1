import CoverPayCore
import Foundation
import Testing

/// The card rail against live services: exactly one charge per installment under redelivery,
/// replicas and SIGKILL, counted from the sandbox processor's own books (`sandbox.card_calls`).
extension CollectorSuites {
@Suite("Collector: card rail", .serialized)
struct CardRail {
    init() throws { try LiveServices.isolate() }

    @Test("an approved card: routed, attempted, succeeded (with policy_id and entry_number), one charge")
    func approvedCard() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-ok")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card()))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy, amount: "107.50"))
        try await LiveServices.eventually("payment succeeded") { try CollectorFixture.status(policy: policy) == "succeeded" }

        let routed = try CollectorFixture.events("coverpay.payment.routed", policy: policy)
        #expect(routed.count == 1)
        #expect(routed.first?["outcome"] == .string("routed"))
        #expect(routed.first?["routing_rules"] == .array([.string("card-processor-split")]))
        #expect(try CollectorFixture.events("coverpay.payment.attempted", policy: policy).first?["idempotency_key"] == .string("\(policy):1:1"))
        let succeeded = try CollectorFixture.events("coverpay.payment.succeeded", policy: policy)
        #expect(succeeded.count == 1)
        #expect(succeeded.first?["policy_id"] == .string(policy))
        #expect(succeeded.first?["entry_number"] == .number("1"))
        #expect(succeeded.first?["amount"] == .string("107.50"))
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        try await collector.terminate()
    }

    @Test("the same installment.due redelivered and re-announced under a new id charges once")
    func redelivery() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-redeliver")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card()))
        try await CollectorFixture.known(policy)
        let due = CollectorFixture.due(policy: policy)
        try LiveServices.publish(due)
        try LiveServices.publish(due)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("payment succeeded") { try CollectorFixture.status(policy: policy) == "succeeded" }
        try await Task.sleep(for: .seconds(1))
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id = $1", [policy]) == 1)
        try await collector.terminate()
    }

    @Test("two replicas, every installment announced twice under different ids: one charge each")
    func twoReplicas() async throws {
        let replicas = try (0..<2).map { _ in try WorkerProcess("collector", environment: CollectorFixture.environment()) }
        for replica in replicas { try await replica.waitUntilReady() }
        let policies = (0..<20).map { _ in Events.uniqueID("card-replicas") }
        for policy in policies { try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card())) }
        for policy in policies { try await CollectorFixture.known(policy) }
        for policy in policies {
            try LiveServices.publish(CollectorFixture.due(policy: policy))
            try LiveServices.publish(CollectorFixture.due(policy: policy))
        }
        for policy in policies {
            try await LiveServices.eventually("\(policy) succeeded") { try CollectorFixture.status(policy: policy) == "succeeded" }
        }
        try await Task.sleep(for: .seconds(1))
        for policy in policies {
            #expect(try CollectorFixture.charges(policy: policy) == 1, "\(policy)")
            #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1, "\(policy)")
        }
        for replica in replicas { try await replica.terminate() }
    }

    @Test("SIGKILL after the processor charged, before the outcome was recorded: settled by a status query, one charge")
    func killedAfterCharge() async throws {
        let policy = Events.uniqueID("card-kill-after")
        let due = CollectorFixture.due(policy: policy)
        let id = due["id"]!.stringValue!
        let doomed = try WorkerProcess("collector", environment: CollectorFixture.environment().merging(["COVERPAY_FAILPOINT": "after_charge:\(id)"]) { $1 })
        try await doomed.waitUntilReady()
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card()))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(due)
        try await doomed.waitForExit(timeout: .seconds(20))
        #expect(doomed.terminationReason == .uncaughtSignal)
        #expect(try CollectorFixture.status(policy: policy) == "pending")
        #expect(try CollectorFixture.charges(policy: policy) == 1)

        let survivor = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await survivor.waitUntilReady()
        try await LiveServices.eventually("payment succeeded after the restart") { try CollectorFixture.status(policy: policy) == "succeeded" }
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        #expect(try CollectorFixture.calls(policy: policy, kind: "status") >= 1)
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1)
        try await survivor.terminate()
    }

    @Test("SIGKILL in the middle of a slow charge (tok_slow): one charge, succeeded after the restart")
    func killedDuringCharge() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-kill-during")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: "tok_slow")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("the processor received the charge", timeout: .seconds(10)) { try CollectorFixture.charges(policy: policy) == 1 }
        try await collector.kill9()
        #expect(try CollectorFixture.status(policy: policy) == "pending")

        let survivor = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await survivor.waitUntilReady()
        try await LiveServices.eventually("payment succeeded after the restart") { try CollectorFixture.status(policy: policy) == "succeeded" }
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1)
        try await survivor.terminate()
    }

    @Test("tok_timeout: the outcome is unknown, then a status query (not a second charge) settles it")
    func timeout() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-timeout")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: "tok_timeout")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("payment settled by the dispatcher's status query") { try CollectorFixture.status(policy: policy) == "succeeded" }
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        #expect(try CollectorFixture.calls(policy: policy, kind: "status") >= 1)
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 1)
        try await collector.terminate()
    }

    @Test("declines become payment.failed with the classifier's code and retryability", arguments: [
        ("tok_insufficient_funds", "card_soft_decline", true),
        ("tok_do_not_honor", "card_soft_decline", true),
        ("tok_stolen_card", "card_hard_decline", false),
        ("tok_fraudulent", "card_hard_decline", false),
    ])
    func declines(token: String, code: String, retryable: Bool) async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-decline")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: token)))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("payment failed") { try CollectorFixture.status(policy: policy) == "failed" }
        let failed = try CollectorFixture.events("coverpay.payment.failed", policy: policy)
        #expect(failed.first?["failure_code"] == .string(code))
        #expect(failed.first?["retryable"] == .bool(retryable))
        #expect(try CollectorFixture.charges(policy: policy) == 1)
        try await collector.terminate()
    }

    @Test("end to end with the scheduler: every due installment charged once and marked paid")
    func endToEnd() async throws {
        let scheduler = try WorkerProcess("scheduler")
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await scheduler.waitUntilReady()
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("card-e2e")
        // A past term: every entry is due whatever the business clock says (unless frozen before 2020).
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(), start: "2020-01-01", end: "2020-04-01"))
        try await LiveServices.eventually("three entries marked paid", timeout: .seconds(30)) {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND is_paid", [policy]) == 3
        }
        for entry in 1...3 { #expect(try CollectorFixture.charges(policy: policy, entry: entry) == 1) }
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: policy).count == 3)
        try await collector.terminate()
        try await scheduler.terminate()
    }
}
}
