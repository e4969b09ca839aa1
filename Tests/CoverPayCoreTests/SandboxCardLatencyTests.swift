import CoverPayCore
import PropertyBased
import Testing

@Suite("Sandbox card latency")
struct SandboxCardLatencyTests {
    @Test("every call takes between half and one and a half times the mean, the same for the same seed and key")
    func boundsAndDeterminism() async {
        await propertyCheck(count: 2_000, input: Gen.uint64()) { seed in
            let mean = Int(seed % 2_000) + 1
            let latency = SandboxCardLatency(meanMilliseconds: mean, seed: seed)
            let key = "P-\(seed % 997):\(seed % 12):1"
            let duration = latency.duration(kind: "charge", key: key)
            #expect(duration >= .milliseconds(mean) / 2, "\(mean) ms, \(key): \(duration)")
            #expect(duration < .milliseconds(mean) * 3 / 2, "\(mean) ms, \(key): \(duration)")
            #expect(duration == SandboxCardLatency(meanMilliseconds: mean, seed: seed).duration(kind: "charge", key: key))
        }
    }

    @Test("over many keys the mean holds and calls differ; no latency at 0 ms")
    func meanAndSpread() {
        let latency = SandboxCardLatency(meanMilliseconds: 300, seed: 1)
        let durations = (0..<5_000).map { latency.duration(kind: "charge", key: "policy-\($0):1:1") / .milliseconds(1) }
        let mean = durations.reduce(0, +) / Double(durations.count)
        #expect(abs(mean - 300) < 10, "mean \(mean)")
        #expect(Set(durations.map { Int($0) }).count > 200)
        #expect(SandboxCardLatency(meanMilliseconds: 0, seed: 1).duration(kind: "charge", key: "k") == .zero)
        #expect(latency.duration(kind: "charge", key: "k") != SandboxCardLatency(meanMilliseconds: 300, seed: 2).duration(kind: "charge", key: "k"))
    }
}
