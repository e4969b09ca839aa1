import AMQP
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation

/// Latency of the intake at a steady rate (issue #13): each `policy.issued` published, at `rate`
/// per second, until its `schedule.updated` arrives on a scratch queue bound to `coverpay.events`;
/// and, as its baseline, the same publishes straight into that queue (`Route.brokerHop`).
/// The arrival is a few broker milliseconds after the scheduler's outbox relay published it, so the
/// figure slightly overstates "issued published → schedule.updated published".
enum IntakeLatency {
    struct Result {
        let p50: Duration
        let p99: Duration
        let achievedRate: Double
        /// The CPU spent over the middle 80 % of the publishing (`cpuEvents` events), nil without `/proc`.
        let cpu: CPUSpend?
        let cpuEvents: Int
    }

    /// Where each event goes between its publish and its arrival.
    enum Route {
        /// Through the running scheduler: `policy.issued` on `coverpay.events` until its
        /// `schedule.updated` arrives.
        case intake
        /// The same bodies straight into the scratch quorum queue: one broker hop, the part of the
        /// intake's latency that RabbitMQ alone costs (the intake makes two such hops).
        case brokerHop
    }

    /// `events`: (policy id, message id, body) of each `policy.issued`, published in order.
    static func measure(
        amqpURL: String, events: [(policy: String, id: String, body: [UInt8])], rate: Double, timeout: Duration, route: Route = .intake,
        fleet: [(id: String, pid: Int32)] = []
    ) throws -> Result {
        let configuration = try AMQPConfiguration(url: amqpURL)
        let publisher = try AMQPConnection(configuration)
        defer { publisher.close() }
        try publisher.openChannel(1)
        let queue = "coverpay.bench.latency.\(UUID().uuidString.prefix(8).lowercased())"
        _ = try publisher.declareQueue(queue, arguments: ["x-queue-type": .string("quorum")], channel: 1)
        defer { try? publisher.deleteQueue(queue, channel: 1) }
        if route == .intake {
            try publisher.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: "coverpay.schedule.updated", channel: 1)
        }
        let (exchange, routingKey) = route == .intake ? (Topology.eventsExchange, "coverpay.policy.issued") : ("", queue)
        try publisher.enableConfirms(channel: 1)

        let arrivals = Arrivals(expected: Set(events.map(\.policy)))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { done.signal() }
            arrivals.collect(configuration: configuration, queue: queue, timeout: timeout)
        }
        var published: [String: ContinuousClock.Instant] = [:]
        let (firstSampled, lastSampled) = (events.count / 10, events.count * 9 / 10)
        var cpu: (first: CPUAccount?, last: CPUAccount?)
        let started = ContinuousClock.now
        for (index, event) in events.enumerated() {
            if index == firstSampled { cpu.first = CPUAccount.sample(fleet: fleet) }
            if index == lastSampled { cpu.last = CPUAccount.sample(fleet: fleet) }
            let due = started + .seconds(Double(index) / rate)
            if ContinuousClock.now < due { Thread.sleep(forTimeInterval: (due - ContinuousClock.now) / .seconds(1)) }
            published[event.policy] = .now
            try publisher.publish(
                AMQPMessage(body: event.body, messageID: event.id, type: "coverpay.policy.issued", contentType: CloudEvent.contentType),
                exchange: exchange, routingKey: routingKey, channel: 1
            )
            if (index + 1) % 200 == 0 { _ = try publisher.waitForConfirms(channel: 1) }
        }
        _ = try publisher.waitForConfirms(channel: 1)
        let achievedRate = Double(events.count) / ((ContinuousClock.now - started) / .seconds(1))
        done.wait()
        let (received, failure) = arrivals.result()
        if let failure { throw failure }
        let latencies = events.compactMap { event in received[event.policy].map { $0 - published[event.policy]! } }.sorted()
        guard latencies.count == events.count else {
            throw CLIError("only \(latencies.count) of \(events.count) events arrived within \(timeout)")
        }
        return Result(
            p50: percentile(latencies, 0.50), p99: percentile(latencies, 0.99), achievedRate: achievedRate,
            cpu: cpu.first.flatMap { first in cpu.last.map { $0.spent(since: first) } }, cpuEvents: lastSampled - firstSampled
        )
    }

    /// The intake's latency beside what RabbitMQ and PostgreSQL alone cost at the same rate.
    struct Figures {
        let intake: Result
        let brokerHop: Result
        /// pgbench's transactions of the intake write set.
        let writeSetP50: Duration
        let writeSetP99: Duration

        /// `writeSet`: pgbench's transaction latencies, sorted.
        init(intake: Result, brokerHop: Result, writeSet: [Duration]) {
            self.intake = intake
            self.brokerHop = brokerHop
            writeSetP50 = IntakeLatency.percentile(writeSet, 0.50)
            writeSetP99 = IntakeLatency.percentile(writeSet, 0.99)
        }

        /// What the intake cannot avoid: two broker hops and one write-set transaction, percentiles
        /// summed (which overstates the percentile of the sum, so the bound is generous).
        var boundP50: Duration { brokerHop.p50 * 2 + writeSetP50 }
        var boundP99: Duration { brokerHop.p99 * 2 + writeSetP99 }
    }

    static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    /// The consumer thread's record: when each expected policy's first `schedule.updated` arrived.
    private final class Arrivals: @unchecked Sendable {
        private let lock = NSLock()
        private let expected: Set<String>
        private var received: [String: ContinuousClock.Instant] = [:]
        private var failure: Error?

        init(expected: Set<String>) { self.expected = expected }

        func collect(configuration: AMQPConfiguration, queue: String, timeout: Duration) {
            do {
                let consumer = try AMQPConnection(configuration)
                defer { consumer.close() }
                try consumer.openChannel(1)
                try consumer.setPrefetch(256, channel: 1)
                try consumer.consume(queue: queue, channel: 1)
                let deadline = ContinuousClock.now + timeout
                while lock.withLock({ received.count }) < expected.count, ContinuousClock.now < deadline {
                    guard let delivery = try consumer.nextDelivery(timeout: .seconds(1)) else { continue }
                    let arrived = ContinuousClock.now
                    try consumer.ack(delivery)
                    let subject = (try? JSONValue.parse(delivery.message.body))?.objectValue?["subject"]?.stringValue
                    guard let subject, expected.contains(subject) else { continue }
                    lock.withLock { if received[subject] == nil { received[subject] = arrived } }
                }
            } catch {
                lock.withLock { failure = error }
            }
        }

        func result() -> ([String: ContinuousClock.Instant], Error?) { lock.withLock { (received, failure) } }
    }
}
