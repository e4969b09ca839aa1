import Foundation

/// Wakes this process's outbox relay when one of its transactions has committed outbox rows, so an
/// event leaves within milliseconds of its commit instead of at the relay's next poll. Rings from
/// other replicas are not heard; their own relays handle their rows, and the poll is the backstop.
final class OutboxDoorbell: @unchecked Sendable {
    private let condition = NSCondition()
    private var rung = false

    func ring() {
        condition.withLock {
            rung = true
            condition.signal()
        }
    }

    /// Waits until rung or until `timeout` has passed, and silences the bell. A ring that came
    /// before the wait (while the relay was busy) ends it at once.
    func wait(timeout: Duration) {
        let deadline = Date(timeIntervalSinceNow: timeout / .seconds(1))
        condition.withLock {
            while !rung, condition.wait(until: deadline) {}
            rung = false
        }
    }
}
