import AMQP
import CoverPayCore
import Foundation

/// One message in a dead-letter queue, with the reason it got there.
public struct DeadLetter: Sendable {
    public let delivery: AMQPDelivery
    public let deadLetterQueue: String
    public let id: String
    public let queue: String
    public let type: String
    public let policyID: String?
    public let reason: String
    public let detail: String
    public let worker: String
    public let attempts: Int
    public let firstSeen: String
    public let originalExchange: String
    public let originalRoutingKey: String

    init(_ delivery: AMQPDelivery, deadLetterQueue: String) {
        self.delivery = delivery
        self.deadLetterQueue = deadLetterQueue
        let headers = delivery.message.headers
        let body = try? JSONValue.parse(delivery.message.body)
        // RabbitMQ's own dead-lettering (the delivery-limit backstop) records x-death instead of our headers.
        let death = headers["x-death"].flatMap { if case .array(let entries) = $0 { entries.first } else { nil } }
        let deathTable: AMQPTable = if case .table(let table)? = death { table } else { [:] }
        let deathKeys: [AMQPFieldValue] = if case .array(let keys)? = deathTable["routing-keys"] { keys } else { [] }

        // A message in the unroutable queue matched no binding of coverpay.events; it kept its routing key.
        let unroutable = deadLetterQueue == Topology.unroutableQueue
        id = delivery.message.messageID ?? body?["id"]?.stringValue ?? "delivery-\(delivery.deliveryTag)"
        queue = headers[Headers.originalQueue]?.stringValue ?? deathTable["queue"]?.stringValue
            ?? (unroutable ? "-" : String(deadLetterQueue.dropLast(".dlq".count)))
        type = delivery.message.type ?? body?["type"]?.stringValue ?? "-"
        policyID = body?["subject"]?.stringValue ?? body?["data"]?["policy_id"]?.stringValue
        reason = headers[Headers.errorReason]?.stringValue
            ?? deathTable["reason"]?.stringValue.map { $0 == "delivery_limit" ? "delivery_limit_exceeded" : $0 }
            ?? (unroutable ? "unroutable" : "unknown")
        detail = headers[Headers.errorDetail]?.stringValue ?? ""
        worker = headers[Headers.errorWorker]?.stringValue ?? (unroutable ? "upstream" : "rabbitmq")
        attempts = Int(headers[Headers.errorAttempts]?.intValue ?? deathTable["count"]?.intValue ?? 1)
        firstSeen = headers[Headers.errorFirstSeen]?.stringValue
            ?? deathTable["time"]?.intValue.map { Date(timeIntervalSince1970: Double($0)).formatted(.iso8601) }
            ?? (unroutable ? body?["time"]?.stringValue : nil) ?? "-"
        originalExchange = headers[Headers.originalExchange]?.stringValue ?? deathTable["exchange"]?.stringValue ?? Topology.eventsExchange
        originalRoutingKey = headers[Headers.originalRoutingKey]?.stringValue ?? deathKeys.first?.stringValue
            ?? (unroutable ? delivery.routingKey : type)
    }

    public var json: JSONValue {
        .object([
            "id": .string(id), "queue": .string(queue), "type": .string(type),
            "policy_id": policyID.map(JSONValue.string) ?? .null, "reason": .string(reason),
            "detail": .string(detail), "worker": .string(worker), "attempts": .number(String(attempts)),
            "first_seen": .string(firstSeen), "dlq": .string(deadLetterQueue),
        ])
    }
}

/// Which dead letters an on-call command acts on; every filter given must match.
public struct DeadLetterFilter: Sendable {
    public var type: String?
    public var policyID: String?
    public var id: String?
    public var since: String?

    public init(type: String? = nil, policyID: String? = nil, id: String? = nil, since: String? = nil) {
        self.type = type
        self.policyID = policyID
        self.id = id
        self.since = since
    }

    public func matches(_ letter: DeadLetter) -> Bool {
        if let type, letter.type != type { return false }
        if let policyID, letter.policyID != policyID { return false }
        if let id, letter.id != id { return false }
        // ISO 8601 instants in UTC compare correctly as text.
        if let since, letter.firstSeen < since { return false }
        return true
    }
}

/// Reads dead-letter queues without losing anything: messages are fetched unacknowledged and those
/// not explicitly settled return to the queue when the browsing channel closes.
public struct DeadLetterBrowser {
    public enum Action { case keep, remove }

    let connection: AMQPConnection

    public init(connection: AMQPConnection) {
        self.connection = connection
    }

    /// Visits every message of `deadLetterQueue`; `visit` decides whether to remove it (after the
    /// caller has, e.g., republished it). Uses channel 2, closed at the end to return kept messages.
    public func browse(_ deadLetterQueue: String, _ visit: (DeadLetter) throws -> Action) throws {
        try connection.openChannel(2)
        defer { connection.closeChannel(2) }
        let depth = try connection.inspectQueue(deadLetterQueue, channel: 2).messages
        for _ in 0..<depth {
            guard let delivery = try connection.get(queue: deadLetterQueue, channel: 2) else { break }
            if try visit(DeadLetter(delivery, deadLetterQueue: deadLetterQueue)) == .remove {
                try connection.ack(delivery)
            }
        }
    }
}
