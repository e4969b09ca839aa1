import CAMQPShim
import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

/// One AMQP connection over rabbitmq-c. rabbitmq-c is blocking and not thread-safe, so a connection
/// belongs to one thread at a time (Fleet gives each its own thread, never Swift's cooperative pool).
public final class AMQPConnection {
    public let configuration: AMQPConfiguration
    private let state: amqp_connection_state_t
    private var confirms: [UInt16: PublisherConfirms] = [:]
    public private(set) var isOpen = true

    /// Connects and logs in; a failure names the broker (never the password) and the reason.
    public init(_ configuration: AMQPConfiguration) throws(AMQPError) {
        self.configuration = configuration
        guard let state = amqp_new_connection() else { throw AMQPError(.connectionFailed, "out of memory") }
        self.state = state
        // From here on a throw still runs deinit, which destroys the connection state.
        let socket: OpaquePointer
        do throws(AMQPError) { socket = try Self.socket(for: configuration, state) } catch {
            isOpen = false
            throw error
        }
        // The first node that accepts the connection; a cluster's nodes in the configured order.
        var failures: [String] = []
        for endpoint in configuration.endpoints {
            var timeout = timeval(configuration.connectTimeout)
            let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
            if status == AMQP_STATUS_OK.rawValue { break }
            failures.append("\(endpoint): \(Self.statusText(status))")
        }
        guard failures.count < configuration.endpoints.count else {
            isOpen = false
            throw AMQPError(.connectionFailed, "cannot reach the broker at \(configuration): \(failures.joined(separator: "; "))")
        }
        let reply = coverpay_amqp_login_plain(
            state, configuration.virtualHost, 0, 131_072, Int32(configuration.heartbeat),
            configuration.user, configuration.password
        )
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            let underlying = error(from: reply, channel: 0, doing: "log in")
            isOpen = false
            throw AMQPError(.loginFailed, replyCode: underlying.replyCode, "login to \(configuration) refused: \(underlying.message)")
        }
    }

    /// A plain TCP socket, or for `amqps://` a TLS one that verifies the broker's certificate and
    /// host name against the configured CA.
    private static func socket(for configuration: AMQPConfiguration, _ state: amqp_connection_state_t) throws(AMQPError) -> OpaquePointer {
        guard let tls = configuration.tls else {
            guard let socket = amqp_tcp_socket_new(state) else { throw AMQPError(.connectionFailed, "could not create a socket") }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(state) else { throw AMQPError(.connectionFailed, "could not create a TLS socket") }
        if let file = tls.caCertificateFile, amqp_ssl_socket_set_cacert(socket, file) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(.invalidURL, "cannot load the CA certificate \(file) (cacertfile)")
        }
        if let certificate = tls.certificateFile, let key = tls.keyFile, amqp_ssl_socket_set_key(socket, certificate, key) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(.invalidURL, "cannot load the client certificate \(certificate) / key \(key) (certfile, keyfile)")
        }
        amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, tls.verifyPeer ? 1 : 0)
        return socket
    }

    deinit {
        if isOpen { amqp_connection_close(state, AMQP_REPLY_SUCCESS) }
        amqp_destroy_connection(state)
    }

    public func close() {
        guard isOpen else { return }
        isOpen = false
        amqp_connection_close(state, AMQP_REPLY_SUCCESS)
    }

    // MARK: Channels and topology

    public func openChannel(_ channel: UInt16) throws(AMQPError) {
        amqp_channel_open(state, channel)
        try checkReply(channel: channel, doing: "open channel \(channel)")
    }

    public func closeChannel(_ channel: UInt16) {
        confirms[channel] = nil
        amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
    }

    /// Declares a durable exchange. Redeclaring an existing one with other arguments is refused by
    /// the broker (406 PRECONDITION_FAILED), which closes the channel.
    public func declareExchange(_ name: String, type: String, arguments: AMQPTable = [:], channel: UInt16 = 1) throws(AMQPError) {
        let arena = CArena()
        amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes(type), 0, 1, 0, 0, arena.table(arguments))
        try checkReply(channel: channel, doing: "declare exchange '\(name)'")
    }

    /// Deletes an exchange and every binding from or to it.
    public func deleteExchange(_ name: String, channel: UInt16 = 1) throws(AMQPError) {
        let arena = CArena()
        amqp_exchange_delete(state, channel, arena.bytes(name), 0)
        try checkReply(channel: channel, doing: "delete exchange '\(name)'")
    }

    /// Routes what `source` routes with `routingKey` on to the exchange `destination` too.
    public func bindExchange(_ destination: String, to source: String, routingKey: String, channel: UInt16 = 1) throws(AMQPError) {
        let arena = CArena()
        amqp_exchange_bind(state, channel, arena.bytes(destination), arena.bytes(source), arena.bytes(routingKey), amqp_empty_table)
        try checkReply(channel: channel, doing: "bind exchange '\(destination)' to '\(source)' with '\(routingKey)'")
    }

    /// Declares a durable queue; the arguments carry the queue type, dead-lettering and limits.
    @discardableResult
    public func declareQueue(_ name: String, arguments: AMQPTable, channel: UInt16 = 1) throws(AMQPError) -> QueueInfo {
        let arena = CArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(name), 0, 1, 0, 0, arena.table(arguments))
        try checkReply(channel: channel, doing: "declare queue '\(name)'")
        return QueueInfo(name: name, messages: Int(ok!.pointee.message_count), consumers: Int(ok!.pointee.consumer_count))
    }

    /// Depth and consumers of an existing queue; a missing queue closes the channel with 404.
    public func inspectQueue(_ name: String, channel: UInt16 = 1) throws(AMQPError) -> QueueInfo {
        let arena = CArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(name), 1, 0, 0, 0, amqp_empty_table)
        try checkReply(channel: channel, doing: "inspect queue '\(name)'")
        return QueueInfo(name: name, messages: Int(ok!.pointee.message_count), consumers: Int(ok!.pointee.consumer_count))
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, channel: UInt16 = 1) throws(AMQPError) {
        let arena = CArena()
        amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey), amqp_empty_table)
        try checkReply(channel: channel, doing: "bind '\(queue)' to '\(exchange)' with '\(routingKey)'")
    }

    /// Drops every ready message of the queue; returns how many there were.
    @discardableResult
    public func purgeQueue(_ name: String, channel: UInt16 = 1) throws(AMQPError) -> Int {
        let arena = CArena()
        let ok = amqp_queue_purge(state, channel, arena.bytes(name))
        try checkReply(channel: channel, doing: "purge queue '\(name)'")
        return Int(ok!.pointee.message_count)
    }

    public func deleteQueue(_ name: String, channel: UInt16 = 1) throws(AMQPError) {
        let arena = CArena()
        amqp_queue_delete(state, channel, arena.bytes(name), 0, 0)
        try checkReply(channel: channel, doing: "delete queue '\(name)'")
    }

    // MARK: Publishing

    /// Puts the channel in confirm mode; `publish` then counts messages and `waitForConfirms` waits for them.
    public func enableConfirms(channel: UInt16) throws(AMQPError) {
        amqp_confirm_select(state, channel)
        try checkReply(channel: channel, doing: "enable publisher confirms")
        confirms[channel] = PublisherConfirms()
    }

    public func publish(
        _ message: AMQPMessage, exchange: String, routingKey: String, mandatory: Bool = true, channel: UInt16
    ) throws(AMQPError) {
        let arena = CArena()
        var properties = amqp_basic_properties_t()
        properties._flags = coverpay_flag_delivery_mode
        properties.delivery_mode = message.persistent ? 2 : 1
        if let messageID = message.messageID {
            properties._flags |= coverpay_flag_message_id
            properties.message_id = arena.bytes(messageID)
        }
        if let type = message.type {
            properties._flags |= coverpay_flag_type
            properties.type = arena.bytes(type)
        }
        if let contentType = message.contentType {
            properties._flags |= coverpay_flag_content_type
            properties.content_type = arena.bytes(contentType)
        }
        if let expiration = message.expiration {
            properties._flags |= coverpay_flag_expiration
            properties.expiration = arena.bytes(expiration)
        }
        if !message.headers.isEmpty {
            properties._flags |= coverpay_flag_headers
            properties.headers = arena.table(message.headers)
        }
        let status = amqp_basic_publish(
            state, channel, arena.bytes(exchange), arena.bytes(routingKey), mandatory ? 1 : 0, 0,
            &properties, arena.bytes(message.body)
        )
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw AMQPError(.connectionClosed, "publish to '\(exchange)' failed: \(Self.statusText(status))")
        }
        confirms[channel]?.published()
    }

    /// Blocks until the broker has confirmed everything published on `channel`. Returns the message ids
    /// the broker returned as unroutable (mandatory flag, no queue bound); throws if any was nacked.
    @discardableResult
    public func waitForConfirms(channel: UInt16, timeout: Duration = .seconds(30)) throws(AMQPError) -> [String] {
        guard var tracker = confirms[channel] else { throw AMQPError(.protocolError, "channel \(channel) is not in confirm mode") }
        let deadline = ContinuousClock.now + timeout
        while tracker.hasOutstanding {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw AMQPError(.timeout, "no publisher confirm within \(timeout)") }
            var frame = amqp_frame_t()
            var wait = timeval(remaining)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
            if status == AMQP_STATUS_TIMEOUT.rawValue { continue }
            guard status == AMQP_STATUS_OK.rawValue else {
                isOpen = false
                throw AMQPError(.connectionClosed, "connection lost while waiting for confirms: \(Self.statusText(status))")
            }
            guard frame.frame_type == AMQP_FRAME_METHOD else { continue }
            let method = frame.payload.method
            switch method.id {
            case coverpay_method_basic_ack:
                let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                tracker.confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
            case coverpay_method_basic_nack:
                let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                tracker.confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
            case coverpay_method_basic_return:
                var returned = amqp_message_t()
                let reply = amqp_read_message(state, frame.channel, &returned, 0)
                if reply.reply_type == AMQP_RESPONSE_NORMAL {
                    tracker.returned(messageID: returned.properties.message_id.string)
                    amqp_destroy_message(&returned)
                }
            default:
                throw handleUnexpected(frame: frame, doing: "wait for publisher confirms")
            }
        }
        var next = tracker
        next.startNewWait()
        confirms[channel] = next
        if tracker.nackedCount > 0 { throw AMQPError(.nacked, "the broker refused \(tracker.nackedCount) message(s)") }
        return tracker.returnedIDs
    }

    /// Services heartbeats on an otherwise idle connection (rabbitmq-c only sends them inside
    /// library calls); a frame that arrives unasked means the broker closed something.
    public func pollIdle(timeout: Duration = .milliseconds(1)) throws(AMQPError) {
        var frame = amqp_frame_t()
        var wait = timeval(timeout)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return }
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw AMQPError(.connectionClosed, "connection lost: \(Self.statusText(status))")
        }
        if frame.frame_type == AMQP_FRAME_METHOD { throw handleUnexpected(frame: frame, doing: "idle") }
    }

    // MARK: Consuming

    public func setPrefetch(_ count: UInt16, channel: UInt16) throws(AMQPError) {
        amqp_basic_qos(state, channel, 0, count, 0)
        try checkReply(channel: channel, doing: "set prefetch")
    }

    /// Starts a manual-ack consumer on `queue`.
    public func consume(queue: String, channel: UInt16, consumerTag: String = "") throws(AMQPError) {
        let arena = CArena()
        amqp_basic_consume(state, channel, arena.bytes(queue), arena.bytes(consumerTag), 0, 0, 0, amqp_empty_table)
        try checkReply(channel: channel, doing: "consume from '\(queue)'")
    }

    /// The next delivery on any consuming channel, or nil when none arrives within `timeout`.
    public func nextDelivery(timeout: Duration) throws(AMQPError) -> AMQPDelivery? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = timeval(timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            return AMQPDelivery(
                deliveryTag: envelope.delivery_tag, channel: envelope.channel, redelivered: envelope.redelivered != 0,
                exchange: envelope.exchange.string, routingKey: envelope.routing_key.string,
                message: AMQPMessage(envelope.message)
            )
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                var frame = amqp_frame_t()
                let status = amqp_simple_wait_frame(state, &frame)
                guard status == AMQP_STATUS_OK.rawValue else {
                    isOpen = false
                    throw AMQPError(.connectionClosed, "connection lost: \(Self.statusText(status))")
                }
                throw handleUnexpected(frame: frame, doing: "consume")
            }
        }
        throw error(from: reply, channel: 0, doing: "consume")
    }

    public func ack(_ delivery: AMQPDelivery) throws(AMQPError) {
        let status = amqp_basic_ack(state, delivery.channel, delivery.deliveryTag, 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw AMQPError(.connectionClosed, "ack failed: \(Self.statusText(status))")
        }
    }

    public func reject(_ delivery: AMQPDelivery, requeue: Bool) throws(AMQPError) {
        let status = amqp_basic_nack(state, delivery.channel, delivery.deliveryTag, 0, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            isOpen = false
            throw AMQPError(.connectionClosed, "nack failed: \(Self.statusText(status))")
        }
    }

    /// `basic.get` with manual ack: the message stays unacknowledged until `ack`/`reject`, or until the
    /// channel closes, which puts it back in the queue.
    public func get(queue: String, channel: UInt16) throws(AMQPError) -> AMQPDelivery? {
        amqp_maybe_release_buffers(state)
        let arena = CArena()
        let reply = amqp_basic_get(state, channel, arena.bytes(queue), 0)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw error(from: reply, channel: channel, doing: "get from '\(queue)'") }
        guard reply.reply.id == coverpay_method_basic_get_ok else { return nil }
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        var message = amqp_message_t()
        let read = amqp_read_message(state, channel, &message, 0)
        guard read.reply_type == AMQP_RESPONSE_NORMAL else { throw error(from: read, channel: channel, doing: "read message from '\(queue)'") }
        defer { amqp_destroy_message(&message) }
        return AMQPDelivery(
            deliveryTag: ok.delivery_tag, channel: channel, redelivered: ok.redelivered != 0,
            exchange: ok.exchange.string, routingKey: ok.routing_key.string, message: AMQPMessage(message)
        )
    }

    // MARK: Errors

    private func checkReply(channel: UInt16, doing action: String) throws(AMQPError) {
        let reply = amqp_get_rpc_reply(state)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else { throw error(from: reply, channel: channel, doing: action) }
    }

    /// Turns a failed RPC reply into an error, answering the broker's close so the library state stays sane.
    private func error(from reply: amqp_rpc_reply_t, channel: UInt16, doing action: String) -> AMQPError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return AMQPError(.timeout, "\(action): timed out") }
            isOpen = false
            return AMQPError(.connectionClosed, "\(action): \(Self.statusText(reply.library_error))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            return serverClose(method: reply.reply, channel: channel, doing: action)
        default:
            return AMQPError(.protocolError, "\(action): no reply from the broker")
        }
    }

    private func handleUnexpected(frame: amqp_frame_t, doing action: String) -> AMQPError {
        guard frame.frame_type == AMQP_FRAME_METHOD else {
            return AMQPError(.protocolError, "\(action): unexpected frame type \(frame.frame_type)")
        }
        return serverClose(method: frame.payload.method, channel: frame.channel, doing: action)
    }

    private func serverClose(method: amqp_method_t, channel: UInt16, doing action: String) -> AMQPError {
        switch method.id {
        case coverpay_method_connection_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t(dummy: 0)
            amqp_send_method(state, 0, coverpay_method_connection_close_ok, &ok)
            isOpen = false
            return AMQPError(.connectionClosed, replyCode: Int(close.reply_code), "\(action): \(close.reply_text.string)")
        case coverpay_method_channel_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t(dummy: 0)
            amqp_send_method(state, channel, coverpay_method_channel_close_ok, &ok)
            confirms[channel] = nil
            return AMQPError(.channelClosed, replyCode: Int(close.reply_code), "\(action): \(close.reply_text.string)")
        default:
            return AMQPError(.protocolError, "\(action): unexpected method 0x\(String(method.id, radix: 16))")
        }
    }

    static func statusText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }
}

public struct QueueInfo: Sendable, Equatable {
    public var name: String
    public var messages: Int
    public var consumers: Int
}

extension AMQPMessage {
    init(_ message: amqp_message_t) {
        let properties = message.properties
        func has(_ flag: amqp_flags_t) -> Bool { properties._flags & flag != 0 }
        self.init(
            body: message.body.array,
            messageID: has(coverpay_flag_message_id) ? properties.message_id.string : nil,
            type: has(coverpay_flag_type) ? properties.type.string : nil,
            contentType: has(coverpay_flag_content_type) ? properties.content_type.string : nil,
            headers: has(coverpay_flag_headers) ? properties.headers.swiftTable : [:],
            persistent: properties.delivery_mode == 2,
            expiration: has(coverpay_flag_expiration) ? properties.expiration.string : nil
        )
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
