/// A failed connection or statement. Carries the SQLSTATE when the server sent one; the message
/// never contains the password (postgres-nio's rule: say what failed without leaking secrets).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidURL = "invalid_url"
        case connectionFailed = "connection_failed"
        case connectionLost = "connection_lost"
        case statementFailed = "statement_failed"
        case decodingFailed = "decoding_failed"
    }

    public let code: Code
    public let sqlState: String?
    public let message: String

    public init(_ code: Code, sqlState: String? = nil, _ message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    /// Lost connections, serialization failures, deadlocks and a server shutting down or starting up
    /// can succeed when tried again; constraint violations and syntax errors cannot.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionLost: return true
        case .invalidURL, .decodingFailed: return false
        case .statementFailed:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || ["40001", "40P01", "57P01", "57P02", "57P03", "53300"].contains(sqlState)
        }
    }

    public var description: String {
        if let sqlState { return "PostgreSQL \(code.rawValue) [\(sqlState)]: \(message)" }
        return "PostgreSQL \(code.rawValue): \(message)"
    }
}
