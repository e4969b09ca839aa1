import Synchronization

/// Which parts of a worker are connected; `/health/ready` answers 200 only when all are.
public final class Readiness: Sendable {
    private let components = Mutex<[String: Bool]>([:])

    public init() {}

    public func register(_ component: String) {
        components.withLock { $0[component] = false }
    }

    public func set(_ component: String, ready: Bool) {
        components.withLock { $0[component] = ready }
    }

    public var isReady: Bool {
        components.withLock { !$0.isEmpty && $0.values.allSatisfy { $0 } }
    }

    public var notReady: [String] {
        components.withLock { $0.filter { !$0.value }.keys.sorted() }
    }
}
