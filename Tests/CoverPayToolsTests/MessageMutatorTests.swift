import CoverPayCore
@testable import CoverPayTools
import Fleet
import Foundation
import Testing

/// The fuzzer's messages, checked against the same validator every worker runs.
@Suite("Message mutator")
struct MessageMutatorTests {
    static let routingKeys = [
        "coverpay.policy.issued", "coverpay.installment.due", "coverpay.payment.failed", "coverpay.payment.succeeded",
        "coverpay.payment.returned", "coverpay.payment_method.updated", "coverpay.policy.cancelled",
    ]
    static let validator: EventValidator = {
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas").path
        return EventValidator(schemas: try! SchemaRegistry.load(types: routingKeys, from: schemas))
    }()

    func messages(seed: UInt64, count: Int = 150) -> [FuzzMessage] {
        var mutator = MessageMutator(runID: "t", seed: seed)
        return mutator.messages(0..<count, routingKeys: Self.routingKeys)
    }

    @Test("made in consecutive ranges (as the run publishes them), the messages are those of one call")
    func rangesAgree() {
        var mutator = MessageMutator(runID: "t", seed: 5)
        let parts = mutator.messages(0..<70, routingKeys: Self.routingKeys) + mutator.messages(70..<150, routingKeys: Self.routingKeys)
        let whole = messages(seed: 5)
        #expect(parts.map(\.id) == whole.map(\.id))
        #expect(parts.map(\.body) == whole.map(\.body))
    }

    @Test("the same seed publishes the same messages; another seed others")
    func replayable() {
        #expect(messages(seed: 42).map(\.body) == messages(seed: 42).map(\.body))
        #expect(messages(seed: 42).map(\.body) != messages(seed: 43).map(\.body))
    }

    @Test("every mutation kind is produced, with unique message ids")
    func coverage() {
        let batch = messages(seed: 7)
        #expect(Set(batch.map(\.mutation)) == Set(FuzzMutation.allCases))
        #expect(Set(batch.map(\.id)).count == batch.count)
    }

    @Test("valid corpus events pass the workers' validation")
    func validEventsAccepted() throws {
        for message in messages(seed: 3) where message.mutation == .valid {
            guard case .success = Self.validator.validate(message.body) else {
                Issue.record("\(message.routingKey) corpus event refused: \(String(decoding: message.body, as: UTF8.self))")
                continue
            }
        }
    }

    @Test("structural mutations are refused with their reason, for many seeds", arguments: [1, 2, 3, 99] as [UInt64])
    func refusedWithReason(seed: UInt64) {
        let expected: [FuzzMutation: Set<EventValidator.Reason>] = [
            .randomBytes: [.invalidJSON], .truncated: [.invalidJSON], .deeplyNested: [.invalidJSON],
            .oversizeBody: [.oversizeBody], .cardNumber: [.panRejected], .unknownType: [.unknownType],
            .brokenEnvelope: [.invalidEnvelope], .duplicateKeys: [.schemaViolation],
        ]
        for message in messages(seed: seed) {
            guard let reasons = expected[message.mutation] else { continue }
            switch Self.validator.validate(message.body) {
            case .success:
                Issue.record("\(message.mutation.rawValue) message \(message.id) was accepted")
            case .failure(let rejection):
                #expect(reasons.contains(rejection.reason), "\(message.mutation.rawValue): \(rejection.reason) \(rejection.detail)")
                if message.mutation == .cardNumber, let number = message.plantedCardNumber {
                    #expect(!String(decoding: rejection.body, as: UTF8.self).contains(number), "the dead-lettered body keeps the card number")
                }
            }
        }
    }
}
