import CoverPayCore
import Fleet
import Foundation
import Testing

extension FleetTests {
    /// Rows a policy's issuance leaves: its schedule.updated events and its entries.
    static func effects(of policy: String) throws -> (updates: Int, entries: Int) {
        let updates = try LiveServices.count(
            "SELECT count(*) AS n FROM coverpay.payment_events WHERE policy_id = $1 AND type = 'coverpay.schedule.updated'", [policy]
        )
        let entries = try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1", [policy])
        return (updates, entries)
    }

    @Test("a message delivered twice has one effect")
    func duplicateDelivery() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("dup")
        let event = Events.issued(policy: policy)
        try LiveServices.publish(event)
        try LiveServices.publish(event)
        try await LiveServices.eventually("the second copy is seen as a duplicate") {
            await metric(scheduler, "coverpay_messages_total", ["outcome=\"duplicate\""]) >= 1
        }
        let effects = try Self.effects(of: policy)
        #expect(effects.updates == 1)
        #expect(effects.entries == 12)
        try await scheduler.terminate()
    }

    @Test("a worker killed after its commit and before its ack has one effect after restart")
    func killedAfterCommit() async throws {
        let policy = Events.uniqueID("crash")
        let event = Events.issued(policy: policy)
        let doomed = try WorkerProcess("scheduler", environment: ["COVERPAY_FAILPOINT": "after_commit:\(event["id"]!.stringValue!)"])
        try await doomed.waitUntilReady()
        try LiveServices.publish(event)
        try await doomed.waitForExit(timeout: .seconds(20))
        #expect(doomed.terminationReason == .uncaughtSignal && doomed.terminationStatus == SIGKILL)
        #expect(try Self.effects(of: policy).entries == 12, "the transaction committed before the crash")

        let survivor = try WorkerProcess("scheduler")
        try await survivor.waitUntilReady()
        try await LiveServices.eventually("the redelivered message is acknowledged as a duplicate") {
            await metric(survivor, "coverpay_messages_total", ["outcome=\"duplicate\""]) >= 1
        }
        let effects = try Self.effects(of: policy)
        #expect(effects.updates == 1)
        #expect(effects.entries == 12)
        try await survivor.terminate()
    }

    @Test("an outbox row written while the broker is down is published once it is back")
    func outboxSurvivesBrokerRestart() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        // An event type the scheduler's broker user may publish (topic authorisation, docs/security.md).
        let routingKey = "coverpay.schedule.updated"
        let probe = "test.outbox.\(UUID().uuidString.prefix(8).lowercased())"
        let broker = try LiveServices.broker()
        try broker.declareQueue(probe, arguments: ["x-queue-type": .string("quorum")], channel: 1)
        try broker.bindQueue(probe, exchange: Topology.eventsExchange, routingKey: routingKey, channel: 1)
        broker.close()
        defer { _ = try? LiveServices.broker().deleteQueue(probe, channel: 1) }

        try LiveServices.services(["fault", "broker-down"])
        let event = Outbox.makeEvent(type: routingKey, subject: "P-outbox", data: .object(["probe": .bool(true)]), source: "tests")
        try Outbox.enqueue(event, producer: "scheduler", traceID: event.id, on: LiveServices.database())
        try await Task.sleep(for: .seconds(2))
        try LiveServices.services(["fault", "broker-up"])

        try await LiveServices.eventually("the event reaches the probe queue", timeout: .seconds(40)) {
            try LiveServices.broker().inspectQueue(probe, channel: 1).messages == 1
        }
        let delivered = try #require(try LiveServices.broker().get(queue: probe, channel: 1))
        #expect(delivered.message.messageID == event.id)
        // The probe is no fleet event: out of the timeline, which the peer tests validate type by type.
        try LiveServices.database().query("DELETE FROM coverpay.payment_events WHERE event_id = $1", [event.id])
        #expect(scheduler.isRunning)
        try await scheduler.waitUntilReady(timeout: .seconds(40))
        try await scheduler.terminate()
    }

    @Test("losing the broker and the database while running: reconnect with backoff, nothing lost")
    func reconnects() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()

        try LiveServices.services(["fault", "broker-down"])
        try await Task.sleep(for: .seconds(2))
        try LiveServices.services(["fault", "broker-up"])
        let afterBroker = Events.uniqueID("rebroker")
        try await LiveServices.eventually("the broker is back for publishing", timeout: .seconds(30)) {
            (try? LiveServices.publish(Events.issued(policy: afterBroker))) != nil
        }
        try await LiveServices.eventually("an event sent after the broker restart is processed", timeout: .seconds(40)) {
            try Self.effects(of: afterBroker).entries == 12
        }

        try LiveServices.services(["fault", "db-crash"])
        let duringOutage = Events.uniqueID("redb")
        try LiveServices.publish(Events.issued(policy: duringOutage))
        try await Task.sleep(for: .seconds(2))
        try LiveServices.services(["fault", "db-up"])
        try await LiveServices.eventually("an event received during the database outage is processed", timeout: .seconds(40)) {
            try Self.effects(of: duringOutage).entries == 12
        }
        #expect(try Self.effects(of: duringOutage).updates == 1)
        #expect(scheduler.isRunning, "the worker survived both outages")
        try await scheduler.terminate()
    }
}
