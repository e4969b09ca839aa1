import Foundation

/// Where and how to connect, parsed from an `amqp://user:password@host:port/vhost` URL, or from a
/// comma-separated list of such URLs naming the nodes of one cluster (same user and vhost): a
/// connection tries them in order, so a client fails over to the next node when one is down.
public struct AMQPConfiguration: Sendable, CustomStringConvertible {
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
    }

    public var host: String
    public var port: Int
    /// The cluster's other nodes, tried in order after `host:port`.
    public var failover: [Endpoint] = []
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
        let urls = url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard urls.count > 1 else { try self.init(singleURL: url); return }
        try self.init(singleURL: urls[0])
        for other in urls.dropFirst() {
            let node = try AMQPConfiguration(singleURL: other)
            guard node.user == user, node.password == password, node.virtualHost == virtualHost else {
                throw AMQPError(.invalidURL, "every URL of a node list needs the same user, password and vhost; '\(Self.redacted(other))' differs")
            }
            failover.append(Endpoint(host: node.host, port: node.port))
        }
    }

    private init(singleURL url: String) throws(AMQPError) {
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

    /// Every node to try, in order.
    public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + failover }

    /// The URL without its password, safe for logs and error messages.
    public var description: String {
        let others = failover.map { ",\($0)" }.joined()
        return "amqp://\(user)@\(host):\(port)\(others)/\(virtualHost)"
    }

    static func redacted(_ url: String) -> String {
        url.replacing(/:[^:@\/]*@/, with: ":***@")
    }
}
