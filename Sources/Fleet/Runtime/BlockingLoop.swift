import Foundation
import ServiceLifecycle
import Synchronization

/// Work that calls blocking C libraries (rabbitmq-c, libpq) in a loop. It runs on a thread of its
/// own, never on Swift's cooperative pool, and returns once `stop` is set and its work is drained.
public protocol BlockingLoop: Sendable {
    var name: String { get }
    func run(until stop: StopSignal)
}

/// Set on graceful shutdown; loops poll it between units of work.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() { flag.store(true, ordering: .releasing) }

    /// Sleeps up to `duration` in short slices; returns false if the stop came first.
    @discardableResult
    public func sleep(_ duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if isSet { return false }
            Thread.sleep(forTimeInterval: min(0.05, (deadline - ContinuousClock.now) / .seconds(1)))
        }
        return !isSet
    }
}

/// A `BlockingLoop` as a swift-service-lifecycle `Service`: graceful shutdown or cancellation sets
/// the stop signal, and `run` returns when the thread has finished.
struct BlockingLoopService: Service {
    let loop: any BlockingLoop

    func run() async throws {
        let stop = StopSignal()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        loop.run(until: stop)
                        finished.resume()
                    }
                    thread.name = loop.name
                    thread.start()
                }
            } onGracefulShutdown: {
                stop.set()
            }
        } onCancel: {
            stop.set()
        }
    }
}

/// Exponential backoff with jitter for reconnects: 0.2 s doubling to 10 s.
struct Backoff {
    private var attempt = 0

    mutating func next() -> Duration {
        let base = min(10_000, 200 << min(attempt, 6))
        attempt += 1
        return .milliseconds(Int.random(in: base / 2...base))
    }

    mutating func reset() { attempt = 0 }
}
