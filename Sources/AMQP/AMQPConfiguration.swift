import Foundation

/// Where and how to connect, parsed from an `amqp://user:password@host:port/vhost` URL.
public struct AMQPConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    /// Seconds; rabbitmq-c answers heartbeats whenever the connection is read or written.
    public var heartbeat: Int = 30
    public var connectTimeout: Duration = .seconds(5)

    public init(host: String, port: Int = 5672, virtualHost: String = "/", user: String = "guest", password: String = "guest") {
        self.host = host
        self.port = port
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
    }

    public init(url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url), components.scheme == "amqp",
              let host = components.host, !host.isEmpty
        else {
            throw AMQPError(.invalidURL, "expected amqp://user:password@host:port/vhost, got '\(Self.redacted(url))'")
        }
        self.init(host: host, port: components.port ?? 5672)
        if let user = components.user { self.user = user.removingPercentEncoding ?? user }
        if let password = components.password { self.password = password.removingPercentEncoding ?? password }
        let path = components.percentEncodedPath
        if path.count > 1 { virtualHost = String(path.dropFirst()).removingPercentEncoding ?? virtualHost }
    }

    /// The URL without its password, safe for logs and error messages.
    public var description: String { "amqp://\(user)@\(host):\(port)/\(virtualHost)" }

    static func redacted(_ url: String) -> String {
        url.replacing(/:[^:@\/]*@/, with: ":***@")
    }
}
