import AMQP
import CoverPayCore
import Fleet
import Foundation
import Testing

/// coverpay.events' alternate exchange: a publisher that forgets the mandatory flag loses nothing
/// silently, and a deployment whose exchange predates it keeps working until it is replaced.
@Suite("Unroutable events", .serialized)
struct UnroutableTests {
    init() throws {
        try LiveServices.isolate()
        try LiveServices.broker().purgeQueue(Topology.unroutableQueue)
    }

    /// Publishes without the mandatory flag, as a careless upstream system would; returns the id.
    static func publishCarelessly(type: String, policy: String) throws -> String {
        let event = Events.envelope(type, policy: policy, data: [:])
        let id = event["id"]!.stringValue!
        let broker = try LiveServices.broker()
        try broker.publish(
            AMQPMessage(body: Array(event.serialized().utf8), messageID: id, type: type, contentType: CloudEvent.contentType),
            exchange: Topology.eventsExchange, routingKey: type, mandatory: false, channel: 1
        )
        try broker.waitForConfirms(channel: 1)
        return id
    }

    static func unroutableDepth() throws -> Int { try LiveServices.broker().inspectQueue(Topology.unroutableQueue).messages }

    @Test("an event with a routing key no queue binds lands in coverpay.unroutable, shown by dlq list and status; fleet event types do not")
    func unboundRoutingKey() async throws {
        let policy = Events.uniqueID("unroutable")
        let id = try Self.publishCarelessly(type: "coverpay.policy.renewed", policy: policy)
        try await LiveServices.eventually("the event is in the unroutable queue") { try Self.unroutableDepth() == 1 }

        let listed = try JSONValue.parse(Array(try LiveServices.coverpay(["dlq", "list", "--policy", policy, "--json"]).stdout.utf8)).arrayValue ?? []
        #expect(listed.count == 1)
        #expect(listed.first?["id"] == .string(id))
        #expect(listed.first?["reason"] == .string("unroutable"))
        #expect(listed.first?["dlq"] == .string(Topology.unroutableQueue))
        let status = try JSONValue.parse(Array(try LiveServices.coverpay(["status", "--json"]).stdout.utf8))
        let queue = status["queues"]?.arrayValue?.first { $0["name"] == .string(Topology.unroutableQueue) }
        #expect(queue?["messages"] == .number("1"))
        #expect(status["dlq"]?["unroutable"] == .number("1"))

        // A fleet event nobody consumes (meant for upstream) is routed to coverpay.published, not kept here.
        _ = try Self.publishCarelessly(type: "coverpay.payment.routed", policy: policy)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try Self.unroutableDepth() == 1)

        #expect(try LiveServices.coverpay(["dlq", "purge", "--queue", Topology.unroutableQueue, "--id", id, "--note", "test"]).status == 0)
        #expect(try Self.unroutableDepth() == 0)
    }

    @Test("coverpay.events declared without the alternate exchange: workers start, apply warns, --recreate-events-exchange replaces it")
    func existingDeployment() async throws {
        let broker = try LiveServices.broker()
        try broker.deleteExchange(Topology.eventsExchange)
        try broker.declareExchange(Topology.eventsExchange, type: "topic")
        let apply = try LiveServices.coverpay(["topology", "apply"])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("--recreate-events-exchange"))
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        try await scheduler.terminate()

        let recreate = try LiveServices.coverpay(["topology", "apply", "--recreate-events-exchange"])
        #expect(recreate.status == 0, "\(recreate.stderr)")
        let again = try LiveServices.coverpay(["topology", "apply"])
        #expect(!again.stdout.contains("warning"))
        _ = try Self.publishCarelessly(type: "coverpay.policy.renewed", policy: Events.uniqueID("unroutable-after"))
        try await LiveServices.eventually("the event is in the unroutable queue") { try Self.unroutableDepth() == 1 }
        // The queues were bound again: an upstream event still reaches the scheduler's queue.
        try LiveServices.publish(Events.issued(policy: Events.uniqueID("rebound")))
        try await LiveServices.eventually("the scheduler queue has the issuance") {
            try broker.inspectQueue("scheduler.events").messages == 1
        }
        try broker.purgeQueue(Topology.unroutableQueue)
        try broker.purgeQueue("scheduler.events")
    }
}
