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

    static let exchanges: [(name: String, type: String)] = [
        (eventsExchange, "topic"), (retryExchange, "direct"), (deadLetterExchange, "direct"),
    ]

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

    /// Declares the exchanges and the queues (idempotent: same names, same arguments).
    public static func declare(_ queues: [QueueDefinition], on connection: AMQPConnection, channel: UInt16) throws(AMQPError) {
        for exchange in exchanges {
            try connection.declareExchange(exchange.name, type: exchange.type, channel: channel)
        }
        for queue in queues {
            for (name, arguments, bindings) in layout(of: queue) {
                try connection.declareQueue(name, arguments: arguments, channel: channel)
                for (exchange, key) in bindings {
                    try connection.bindQueue(name, exchange: exchange, routingKey: key, channel: channel)
                }
            }
        }
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
                "durable": .bool(true), "auto_delete": .bool(false), "internal": .bool(false), "arguments": .object([:]),
            ])
        }
        var queueDefinitions: [JSONValue] = []
        var bindingDefinitions: [JSONValue] = []
        for queue in queues {
            for (name, arguments, bindings) in layout(of: queue) {
                queueDefinitions.append(.object([
                    "name": .string(name), "vhost": vhost, "durable": .bool(true),
                    "auto_delete": .bool(false), "arguments": json(arguments),
                ]))
                for (exchange, key) in bindings {
                    bindingDefinitions.append(.object([
                        "source": .string(exchange), "vhost": vhost, "destination": .string(name),
                        "destination_type": .string("queue"), "routing_key": .string(key), "arguments": .object([:]),
                    ]))
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
