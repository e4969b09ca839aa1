import CoverPayCore
import PropertyBased
import Testing

@Suite("Batch lock order")
struct LockOrderTests {
    static func event(_ number: Int, policy: String?) -> CloudEvent {
        CloudEvent(id: "evt-\(number)", source: "tests", type: "coverpay.payment.succeeded", subject: policy, time: nil, data: .object([:]))
    }

    @Test("a batch interleaving policies is grouped by policy, each policy's events in arrival order")
    func groupsByPolicy() {
        let batch = [Self.event(1, policy: "B"), Self.event(2, policy: "A"), Self.event(3, policy: nil), Self.event(4, policy: "B"), Self.event(5, policy: "A")]
        #expect(batch.inPolicyLockOrder { $0 }.map(\.id) == ["evt-3", "evt-2", "evt-5", "evt-1", "evt-4"])
    }

    @Test("any batch: a permutation, policies ascending, every policy's events in their original order")
    func orderProperties() async {
        await propertyCheck(count: 1_000, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            let policies: [String?] = [nil, "P-1", "P-10", "P-2", "Q"]
            let batch = (0..<Int.random(in: 0...40, using: &rng)).map { Self.event($0, policy: policies.randomElement(using: &rng)!) }
            let ordered = batch.inPolicyLockOrder { $0 }
            #expect(ordered.map(\.id).sorted() == batch.map(\.id).sorted())
            let keys = ordered.map { $0.policyID ?? "" }
            #expect(keys == keys.sorted())
            for policy in policies {
                #expect(ordered.filter { $0.policyID == policy }.map(\.id) == batch.filter { $0.policyID == policy }.map(\.id))
            }
        }
    }
}
