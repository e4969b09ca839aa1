/// A failed QuickBooks Online call, shaped like `AMQPError` / `PostgresError`: a code, whether
/// trying again can help, and a message that never carries the access token, the refresh token or
/// the client secret (only HTTP statuses, Intuit's Fault type, codes and messages, and the OAuth
/// `error` field).
public struct QBOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The token endpoint refused the refresh token or the client credentials (`invalid_grant`, `invalid_client`).
        case authorizationFailed = "authorization_failed"
        /// 429, or still throttled after the backoff budget.
        case throttled
        /// 5xx, a SystemFault, or no answer (timeout, connection refused): the request may or may not have been applied.
        case unavailable
        /// A Fault that the same request will get again (ValidationFault, a bad AccountRef, AuthorizationFault...).
        case fault
        /// An answer that is not what Intuit documents (unexpected status, unreadable JSON).
        case invalidResponse = "invalid_response"
        /// A setting is missing or malformed.
        case configuration
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Throttling and unavailability pass; a Fault, a refused authorization or a bad setting needs a person.
    public var isRetriable: Bool {
        switch code {
        case .throttled, .unavailable: true
        case .authorizationFailed, .fault, .invalidResponse, .configuration: false
        }
    }

    /// Whether the error shows the request was not applied at all: QuickBooks refused it with a
    /// Fault status, authorization failed before or at the call, or it was never sent. A timeout,
    /// a 5xx or an unreadable answer prove nothing: the request may have been applied.
    public var provesNothingApplied: Bool {
        switch code {
        case .fault, .authorizationFailed, .configuration: true
        case .throttled, .unavailable, .invalidResponse: false
        }
    }

    public var description: String { "QuickBooks \(code.rawValue): \(message)" }
}
