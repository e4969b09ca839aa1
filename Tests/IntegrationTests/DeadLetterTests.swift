import CoverPayCore
import Foundation
import Testing

extension FleetTests {
    /// The scheduler's dead letters with the given ids, from `coverpay dlq list --json`.
    static func deadLetters(_ ids: [String]) throws -> [String: JSONValue] {
        let result = try LiveServices.coverpay(["dlq", "list", "--queue", "scheduler.events", "--json"])
        guard result.status == 0, let listed = try JSONValue.parse(Array(result.stdout.utf8)).arrayValue else {
            throw FleetTestError("dlq list failed: \(result.stderr)")
        }
        var found: [String: JSONValue] = [:]
        for letter in listed { if let id = letter["id"]?.stringValue, ids.contains(id) { found[id] = letter } }
        return found
    }

    @Test("bad input lands in the DLQ with its reason, card digits masked, while the worker keeps consuming")
    func badInputIsDeadLettered() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("bad")
        let invalidJSON = Events.uniqueID("json")
        try LiveServices.publishRaw(Array("{\"specversion\": \"1.0\", oops".utf8), routingKey: "coverpay.policy.issued", messageID: invalidJSON)
        let schemaViolation = Events.issued(policy: policy, items: [Events.item("dwelling", premium: "1.234")])
        try LiveServices.publish(schemaViolation)
        var unknownType = Events.issued(policy: policy).objectValue!
        unknownType["type"] = .string("coverpay.policy.exploded")
        let unknownTypeID = Events.uniqueID("type")
        unknownType["id"] = .string(unknownTypeID)
        try LiveServices.publishRaw(Array(JSONValue.object(unknownType).serialized().utf8), routingKey: "coverpay.policy.issued", messageID: unknownTypeID)
        let withCard = Events.issued(policy: policy, items: [Events.item("card 4111 1111 1111 1111", premium: "10.00")])
        try LiveServices.publish(withCard)
        let good = Events.uniqueID("good")
        try LiveServices.publish(Events.issued(policy: good))

        try await LiveServices.eventually("the valid event after the bad ones is processed") {
            try Self.effects(of: good).entries == 12
        }
        let expected = [
            invalidJSON: "invalid_json", schemaViolation["id"]!.stringValue!: "schema_violation",
            unknownTypeID: "unknown_type", withCard["id"]!.stringValue!: "pan_rejected",
        ]
        try await LiveServices.eventually("all four are in the DLQ") { try Self.deadLetters(Array(expected.keys)).count == 4 }
        let letters = try Self.deadLetters(Array(expected.keys))
        for (id, reason) in expected {
            #expect(letters[id]?["reason"]?.stringValue == reason, "\(id)")
            #expect(letters[id]?["worker"]?.stringValue?.hasPrefix("scheduler") == true)
        }
        let shown = try LiveServices.coverpay(["dlq", "show", withCard["id"]!.stringValue!])
        #expect(shown.status == 0)
        #expect(!shown.stdout.contains("4111 1111 1111 1111"))
        #expect(shown.stdout.contains("**** **** **** 1111"))
        #expect(!scheduler.log.contains("4111 1111 1111 1111"))

        for id in expected.keys {
            #expect(try LiveServices.coverpay(["dlq", "purge", "--id", id, "--note", "test cleanup"]).status == 0)
        }
        #expect(try Self.deadLetters(Array(expected.keys)).isEmpty)
        try await scheduler.terminate()
    }

    @Test("a dead letter fixed upstream and replayed is processed exactly once; --dry-run changes nothing; both are audited")
    func replay() async throws {
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let policy = Events.uniqueID("replay")
        let payment = Events.paymentSucceeded(policy: policy, entry: 1)
        let paymentID = payment["id"]!.stringValue!
        try LiveServices.publish(payment)
        try await LiveServices.eventually("the payment for an unknown policy is dead-lettered") {
            try Self.deadLetters([paymentID])[paymentID]?["reason"]?.stringValue == "unknown_policy"
        }
        try LiveServices.publish(Events.issued(policy: policy))
        try await LiveServices.eventually("the policy is issued") { try Self.effects(of: policy).entries == 12 }

        let dryRun = try LiveServices.coverpay(["dlq", "replay", "--id", paymentID, "--dry-run", "--actor", "oncall-test"])
        #expect(dryRun.status == 0 && dryRun.stdout.contains("would replay \(paymentID)"), "\(dryRun.stdout)\(dryRun.stderr)")
        #expect(try Self.deadLetters([paymentID]).count == 1, "a dry run leaves the message in the DLQ")
        #expect(try Self.isPaid(policy, entry: 1) == false)

        let replay = try LiveServices.coverpay(["dlq", "replay", "--id", paymentID, "--actor", "oncall-test", "--note", "policy issued late"])
        #expect(replay.status == 0, "\(replay.stderr)")
        try await LiveServices.eventually("the replayed payment marks entry 1 paid") { try Self.isPaid(policy, entry: 1) }
        #expect(try Self.deadLetters([paymentID]).isEmpty)
        let again = try LiveServices.coverpay(["dlq", "replay", "--id", paymentID, "--actor", "oncall-test"])
        #expect(again.stdout.contains("0 message(s)"))
        try await Task.sleep(for: .seconds(1))
        let updates = try LiveServices.count(
            "SELECT count(*) AS n FROM coverpay.payment_events WHERE policy_id = $1 AND body->'data'->>'payment_event_id' = $2",
            [policy, paymentID]
        )
        #expect(updates == 1, "processed exactly once")

        let audit = try LiveServices.coverpay(["dlq", "audit", "--json"])
        let rows = try JSONValue.parse(Array(audit.stdout.utf8)).arrayValue ?? []
        let mine = rows.filter { $0["message_id"]?.stringValue == paymentID && $0["action"]?.stringValue == "replay" }
        #expect(Set(mine.compactMap { $0["dry_run"]?.boolValue }) == [true, false])
        #expect(mine.allSatisfy { $0["actor"]?.stringValue == "oncall-test" })
        try await scheduler.terminate()
    }

    static func isPaid(_ policy: String, entry: Int) throws -> Bool {
        try LiveServices.count(
            "SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND entry_number = $2 AND is_paid", [policy, entry]
        ) == 1
    }
}
