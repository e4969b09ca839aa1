/// A message to publish: body plus the properties CoverPay sets on every message.
public struct AMQPMessage: Sendable {
    public var body: [UInt8]
    public var messageID: String?
    public var type: String?
    public var contentType: String?
    public var headers: AMQPTable
    public var persistent: Bool
    /// Per-message TTL in milliseconds, as a string per the AMQP spec.
    public var expiration: String?

    public init(
        body: [UInt8], messageID: String? = nil, type: String? = nil, contentType: String? = nil,
        headers: AMQPTable = [:], persistent: Bool = true, expiration: String? = nil
    ) {
        self.body = body
        self.messageID = messageID
        self.type = type
        self.contentType = contentType
        self.headers = headers
        self.persistent = persistent
        self.expiration = expiration
    }
}

/// A message received by a consumer or by `basic.get`.
public struct AMQPDelivery: Sendable {
    public var deliveryTag: UInt64
    public var channel: UInt16
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    public var message: AMQPMessage
}
