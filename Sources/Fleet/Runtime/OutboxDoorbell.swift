import Foundation

/// Rung by a worker's consumers and jobs after they commit, so the outbox relay in the same process
/// publishes the new rows at once instead of at its next idle poll (that poll interval was most of
/// the intake's latency, issue #13). A replica's relay still finds rows committed elsewhere by polling.
public final class OutboxDoorbell: @unchecked Sendable {
    // NSCondition guards `rung`; @unchecked because NSCondition is not marked Sendable.
    private let condition = NSCondition()
    private var rung = false

    public init() {}

    public func ring() {
        condition.lock()
        rung = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until the bell rings or `timeout` passes; true when it rang (since the last wait, too).
    public func wait(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout / .seconds(1))
        condition.lock()
        defer { condition.unlock() }
        while !rung {
            if !condition.wait(until: deadline) { break }
        }
        defer { rung = false }
        return rung
    }
}
