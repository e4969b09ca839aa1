import Foundation

/// Runs blocking work — card processor requests that wait on the network — on up to `limit`
/// threads of its own, started when first needed. The caller bounds how much it submits.
final class BlockingWorkPool: @unchecked Sendable {
    private let limit: Int
    private let name: String
    private let condition = NSCondition()
    private var waiting: [@Sendable () -> Void] = []
    private var started = 0
    private var idle = 0

    init(limit: Int, name: String) {
        self.limit = limit
        self.name = name
    }

    func submit(_ work: @escaping @Sendable () -> Void) {
        condition.withLock {
            waiting.append(work)
            if idle == 0 && started < limit {
                started += 1
                let thread = Thread { [self] in serve() }
                thread.name = "\(name)-\(started)"
                thread.stackSize = 512 << 10
                thread.start()
            } else {
                condition.signal()
            }
        }
    }

    private func serve() {
        while true {
            let work = condition.withLock {
                while waiting.isEmpty {
                    idle += 1
                    condition.wait()
                    idle -= 1
                }
                return waiting.removeFirst()
            }
            work()
        }
    }
}
