import Foundation

/// A `postgresql://user:password@host:port/database` URL, checked before libpq sees it.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    public let url: String
    let password: String?

    public init(url: String) throws(PostgresError) {
        guard let components = URLComponents(string: url),
              components.scheme == "postgresql" || components.scheme == "postgres",
              let host = components.host, !host.isEmpty, components.path.count > 1
        else {
            throw PostgresError(.invalidURL, "expected postgresql://user:password@host:port/database, got '\(Self.redacted(url))'")
        }
        self.url = url
        self.password = components.password
    }

    /// The URL without its password, safe for logs and errors.
    public var description: String { Self.redacted(url) }

    static func redacted(_ url: String) -> String {
        // Up to the last `@` of each node's authority: a password with a raw `@`, `/` or `:` (an
        // invalid URL, the very case an error message quotes) is blanked whole.
        url.replacing(/:\/\/([^:@\/,]*):[^,]*@/) { "://\($0.1):***@" }
    }

    /// libpq error text with any copy of the password blanked out.
    func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }
}
