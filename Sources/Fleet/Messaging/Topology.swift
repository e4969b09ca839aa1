import AMQP
import CoverPayCore

/// A worker's queue and the event types (routing keys on `coverpay.events`) it receives.
public struct QueueDefinition: Sendable {
    public let name: String
    public let routingKeys: [String]

    public init(name: String, routingKeys: [String]) {
        self.name = name
        self.routingKeys = routingKeys
    }

    public var deadLetterQueue: String { "\(name).dlq" }

    public func retryQueue(delay: Duration) -> String { "\(name).retry.\(Topology.label(delay))" }
}

/// The broker layout of DESIGN §3 and §9, declared identically by every worker at start, by
/// `coverpay topology apply`, and exported as RabbitMQ definitions for docker-compose.
public enum Topology {
    public static let eventsExchange = "coverpay.events"
    public static let retryExchange = "coverpay.retry"
    public static let deadLetterExchange = "coverpay.dlx"
    /// The backstop: a message redelivered this often is dead-lettered by RabbitMQ itself
    /// (RabbitMQ 3.10 has no default delivery limit).
    public static let deliveryLimit: Int64 = 20
    /// Delay tiers for transient failures; attempt n waits `retryDelays[min(n - 1, last)]`.
    public static let retryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)]

    /// Where `coverpay.events` sends what no binding matches (its alternate exchange), and the queue
    /// that keeps those messages for an operator: a publisher that forgets the mandatory flag loses
    /// nothing silently. `coverpay status` and `coverpay dlq list` show the queue.
    public static let unroutableExchange = "coverpay.unroutable"
    public static let unroutableQueue = "coverpay.unroutable"
    /// Every event type the fleet itself publishes is bound from `coverpay.events` to this fanout
    /// exchange, so that the fleet's events no worker consumes (those meant for upstream, e.g.
    /// `payment.routed`) count as routed and stay out of the unroutable queue. Upstream systems may
    /// bind a queue here to receive every fleet event. With no queue bound, such an event is still
    /// returned to a mandatory publisher (the relay's `coverpay_outbox_unroutable_total`).
    public static let publishedExchange = "coverpay.published"

    /// The fleet's own event types (DESIGN §3, docs/payment-loop.md).
    public static let publishedEventTypes = [
        "schedule.updated", "installment.due", "payment.routed", "payment.attempted", "payment.succeeded", "payment.failed",
        "payment.returned", "payment.settled", "retry.scheduled", "delinquency.changed", "delinquency.cured", "notice.requested",
        "policy.cancellation_requested", "refund.requested", "fee.assessed", "fee.waived", "installment.written_off",
        "recon.exception", "ledger.posted", "gl.synced", "payment.applied", "payment.unapplied",
    ].map { "coverpay.\($0)" }

    static let exchanges: [(name: String, type: String, arguments: AMQPTable)] = [
        (unroutableExchange, "fanout", [:]), (publishedExchange, "fanout", [:]),
        (eventsExchange, "topic", ["alternate-exchange": .string(unroutableExchange)]),
        (retryExchange, "direct", [:]), (deadLetterExchange, "direct", [:]),
    ]

    /// The unroutable queue: quorum, no delivery limit (browsing it never drops anything), like a DLQ.
    static let unroutableQueueArguments: AMQPTable = ["x-queue-type": .string("quorum")]

    public static func retryDelay(forAttempt attempt: Int) -> Duration {
        retryDelays[min(max(attempt, 1), retryDelays.count) - 1]
    }

    /// Every queue with its arguments and bindings (exchange, routing key).
    static func layout(of queue: QueueDefinition) -> [(name: String, arguments: AMQPTable, bindings: [(String, String)])] {
        let reliable: AMQPTable = [
            "x-queue-type": .string("quorum"),
            "x-dead-letter-strategy": .string("at-least-once"),
            "x-overflow": .string("reject-publish"),
        ]
        var main = reliable
        main["x-delivery-limit"] = .int(deliveryLimit)
        main["x-dead-letter-exchange"] = .string(deadLetterExchange)
        main["x-dead-letter-routing-key"] = .string(queue.deadLetterQueue)
        var layout = [
            (queue.name, main, queue.routingKeys.map { (eventsExchange, $0) }),
            (queue.deadLetterQueue, ["x-queue-type": .string("quorum")], [(deadLetterExchange, queue.deadLetterQueue)]),
        ]
        for delay in retryDelays {
            var delayed = reliable
            delayed["x-message-ttl"] = .int(Int64(delay.components.seconds * 1000))
            delayed["x-dead-letter-exchange"] = .string("")
            delayed["x-dead-letter-routing-key"] = .string(queue.name)
            layout.append((queue.retryQueue(delay: delay), delayed, [(retryExchange, queue.retryQueue(delay: delay))]))
        }
        return layout
    }

    /// The names of every queue a definition declares: its work queue, dead-letter queue and delay queues.
    public static func queueNames(of queue: QueueDefinition) -> [String] {
        layout(of: queue).map(\.name)
    }

    /// What `declare` found about `coverpay.events`.
    public enum EventsExchangeState: Sendable {
        case current
        /// Declared by an older version without the alternate exchange: kept as it is (the broker
        /// refuses a redeclare with other arguments) until `coverpay topology apply
        /// --recreate-events-exchange` replaces it; unroutable events are not kept meanwhile.
        case withoutAlternateExchange
    }

    /// Declares the exchanges and the queues (idempotent: same names, same arguments). An existing
    /// `coverpay.events` without the alternate exchange is used as it is, so that workers of this
    /// version start against a deployment set up by an older one. A worker's own RabbitMQ user may
    /// configure only its own queues (docs/security.md, "Roles and users"): when the broker refuses
    /// the shared exchanges (403 ACCESS_REFUSED), they are left to the operator's `coverpay topology
    /// apply`, and the worker declares and binds its queues to the exchanges that exist.
    @discardableResult
    public static func declare(_ queues: [QueueDefinition], on connection: AMQPConnection, channel: UInt16) throws(AMQPError) -> EventsExchangeState {
        var state = EventsExchangeState.current
        do {
            state = try declareShared(on: connection, channel: channel)
        } catch where error.replyCode == 403 {
            try connection.openChannel(channel)
        }
        for queue in queues {
            for (name, arguments, bindings) in layout(of: queue) {
                try connection.declareQueue(name, arguments: arguments, channel: channel)
                for (exchange, key) in bindings {
                    try connection.bindQueue(name, exchange: exchange, routingKey: key, channel: channel)
                }
            }
        }
        return state
    }

    /// The exchanges, the unroutable queue and the bindings every worker's events rely on.
    private static func declareShared(on connection: AMQPConnection, channel: UInt16) throws(AMQPError) -> EventsExchangeState {
        var state = EventsExchangeState.current
        for exchange in exchanges {
            do {
                try connection.declareExchange(exchange.name, type: exchange.type, arguments: exchange.arguments, channel: channel)
            } catch where error.replyCode == 406 && exchange.name == eventsExchange {
                // PRECONDITION_FAILED closed the channel; the exchange exists with other arguments.
                try connection.openChannel(channel)
                state = .withoutAlternateExchange
            }
        }
        try connection.declareQueue(unroutableQueue, arguments: unroutableQueueArguments, channel: channel)
        try connection.bindQueue(unroutableQueue, exchange: unroutableExchange, routingKey: "", channel: channel)
        for type in publishedEventTypes {
            try connection.bindExchange(publishedExchange, to: eventsExchange, routingKey: type, channel: channel)
        }
        return state
    }

    /// Replaces `coverpay.events` by one with the alternate exchange, then declares everything
    /// (which binds every queue again). Between the delete and the redeclare, a publish to
    /// `coverpay.events` fails with 404 NOT_FOUND: the workers' outbox rows wait and are published
    /// after; upstream publishers should be paused or retry on error (docs/operations.md).
    public static func recreateEventsExchange(_ queues: [QueueDefinition], on connection: AMQPConnection, channel: UInt16) throws(AMQPError) {
        try connection.deleteExchange(eventsExchange, channel: channel)
        try declare(queues, on: connection, channel: channel)
    }

    /// The same layout in RabbitMQ's definitions format (`load_definitions`), for docker-compose.
    public static func definitions(_ queues: [QueueDefinition], virtualHost: String) -> JSONValue {
        func json(_ table: AMQPTable) -> JSONValue {
            .object(table.mapValues { value in
                switch value {
                case .int(let number): .number(String(number))
                default: .string(value.description)
                }
            })
        }
        let vhost = JSONValue.string(virtualHost)
        let exchangeDefinitions: [JSONValue] = exchanges.map { exchange in
            .object([
                "name": .string(exchange.name), "vhost": vhost, "type": .string(exchange.type),
                "durable": .bool(true), "auto_delete": .bool(false), "internal": .bool(false), "arguments": json(exchange.arguments),
            ])
        }
        var queueDefinitions: [JSONValue] = [.object([
            "name": .string(unroutableQueue), "vhost": vhost, "durable": .bool(true),
            "auto_delete": .bool(false), "arguments": json(unroutableQueueArguments),
        ])]
        func binding(_ source: String, _ destination: String, _ type: String, _ key: String) -> JSONValue {
            .object([
                "source": .string(source), "vhost": vhost, "destination": .string(destination),
                "destination_type": .string(type), "routing_key": .string(key), "arguments": .object([:]),
            ])
        }
        var bindingDefinitions: [JSONValue] = [binding(unroutableExchange, unroutableQueue, "queue", "")]
        bindingDefinitions += publishedEventTypes.map { binding(eventsExchange, publishedExchange, "exchange", $0) }
        for queue in queues {
            for (name, arguments, bindings) in layout(of: queue) {
                queueDefinitions.append(.object([
                    "name": .string(name), "vhost": vhost, "durable": .bool(true),
                    "auto_delete": .bool(false), "arguments": json(arguments),
                ]))
                for (exchange, key) in bindings {
                    bindingDefinitions.append(binding(exchange, name, "queue", key))
                }
            }
        }
        return .object([
            "vhosts": .array([.object(["name": vhost])]),
            "exchanges": .array(exchangeDefinitions),
            "queues": .array(queueDefinitions),
            "bindings": .array(bindingDefinitions),
        ])
    }

    static func label(_ delay: Duration) -> String {
        let seconds = delay.components.seconds
        return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }
}
