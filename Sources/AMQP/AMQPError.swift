/// What went wrong talking to the broker. Carries the AMQP reply code when the broker sent one,
/// and whether trying again later can help (`isRetriable`), as swift-kafka-client's errors do.
public struct AMQPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidURL = "invalid_url"
        case connectionFailed = "connection_failed"
        case loginFailed = "login_failed"
        case connectionClosed = "connection_closed"
        case channelClosed = "channel_closed"
        case timeout
        case nacked
        case unroutable
        case protocolError = "protocol_error"
    }

    public let code: Code
    /// The broker's reply code (e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED, 320 CONNECTION_FORCED).
    public let replyCode: Int?
    public let message: String

    public init(_ code: Code, replyCode: Int? = nil, _ message: String) {
        self.code = code
        self.replyCode = replyCode
        self.message = message
    }

    /// A lost or refused connection, a timeout or a forced close can succeed later; a bad URL,
    /// wrong credentials or a refused declaration cannot.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionClosed, .timeout, .nacked: true
        case .channelClosed: replyCode == 320 || replyCode == 541
        case .invalidURL, .loginFailed, .unroutable, .protocolError: false
        }
    }

    public var description: String {
        if let replyCode { return "AMQP \(code.rawValue) (\(replyCode)): \(message)" }
        return "AMQP \(code.rawValue): \(message)"
    }
}
