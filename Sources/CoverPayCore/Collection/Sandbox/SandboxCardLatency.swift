/// How long a sandbox card processor takes to answer one call: a mean with seeded jitter, the
/// same for the same seed, kind of call and idempotency key in every run and every process.
public struct SandboxCardLatency: Sendable, Hashable {
    public let meanMilliseconds: Int
    public let seed: UInt64

    public init(meanMilliseconds: Int, seed: UInt64) {
        self.meanMilliseconds = meanMilliseconds
        self.seed = seed
    }

    /// mean × (0.5 + u), u in [0, 1) from FNV-1a of seed, kind and key: uniform between half and
    /// one and a half times the mean, so the mean holds over many calls.
    public func duration(kind: String, key: String) -> Duration {
        guard meanMilliseconds > 0 else { return .zero }
        let unit = Double(ProcessorSplit.fnv1a("\(seed):\(kind):\(key)") % 1_000_000) / 1_000_000
        return .microseconds(Int(Double(meanMilliseconds) * 1000 * (0.5 + unit)))
    }
}
