import CoverPayCore
import Foundation

/// How realistic the sandbox card processors are: a latency like a real processor's network round
/// trip and a cap on concurrent requests, as real processors enforce. The defaults (no latency, a
/// generous cap) keep the tests fast; `coverpay bench billing-day --latency-ms` sets them.
struct SandboxCardSettings: Sendable {
    /// Mean time a call takes (`COVERPAY_SANDBOX_CARD_LATENCY_MS`, default 0). Each call takes
    /// between half and one and a half times the mean.
    var latencyMilliseconds: Int = 0
    /// Seeds the jitter (`COVERPAY_SANDBOX_CARD_LATENCY_SEED`, default 1): with the same seed the same
    /// key waits as long in every run and every replica.
    var latencySeed: UInt64 = 1
    /// Requests one processor serves at once in this process (`COVERPAY_SANDBOX_CARD_MAX_CONCURRENCY`,
    /// default 256); more wait for a free slot.
    var maxConcurrentRequests: Int = 256

    init() {}

    init(environment: [String: String]) throws {
        func number(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw CollectorConfigurationError(variable: name, problem: "'\(text)' is not a whole number in \(range)")
            }
            return value
        }
        latencyMilliseconds = try number("COVERPAY_SANDBOX_CARD_LATENCY_MS", default: 0, range: 0...60_000)
        latencySeed = UInt64(try number("COVERPAY_SANDBOX_CARD_LATENCY_SEED", default: 1, range: 0...Int.max))
        maxConcurrentRequests = try number("COVERPAY_SANDBOX_CARD_MAX_CONCURRENCY", default: 256, range: 1...100_000)
    }

    var latency: SandboxCardLatency { SandboxCardLatency(meanMilliseconds: latencyMilliseconds, seed: latencySeed) }
}
