import Foundation

/// Where and how to connect, parsed from an `amqp://user:password@host:port/vhost` URL, or from a
/// comma-separated list of such URLs naming the nodes of one cluster (same user and vhost): a
/// connection tries them in order, so a client fails over to the next node when one is down.
/// `amqps://` connects over TLS (default port 5671) with the query parameters of RabbitMQ's URI
/// spec: `cacertfile` (the CA to verify the broker with; the system's when absent), `certfile` and
/// `keyfile` (a client certificate), `verify=verify_none` (no peer or host name check: never in
/// production). docs/security.md.
public struct AMQPConfiguration: Sendable, CustomStringConvertible {
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
    }

    /// TLS settings of an `amqps://` URL.
    public struct TLS: Sendable, Hashable {
        public var caCertificateFile: String?
        public var certificateFile: String?
        public var keyFile: String?
        public var verifyPeer = true
    }

    public var host: String
    public var port: Int
    /// Set for `amqps://`.
    public var tls: TLS?
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
            guard node.user == user, node.password == password, node.virtualHost == virtualHost, node.tls == tls else {
                throw AMQPError(.invalidURL, "every URL of a node list needs the same user, password, vhost and TLS settings; '\(Self.redacted(other))' differs")
            }
            failover.append(Endpoint(host: node.host, port: node.port))
        }
    }

    private init(singleURL url: String) throws(AMQPError) {
        guard let components = URLComponents(string: url), components.scheme == "amqp" || components.scheme == "amqps",
              let host = components.host, !host.isEmpty
        else {
            throw AMQPError(.invalidURL, "expected amqp://user:password@host:port/vhost (or amqps://), got '\(Self.redacted(url))'")
        }
        let secure = components.scheme == "amqps"
        self.init(host: host, port: components.port ?? (secure ? 5671 : 5672))
        if secure {
            var tls = TLS()
            for item in components.queryItems ?? [] {
                switch (item.name, item.value) {
                case ("cacertfile", let path?): tls.caCertificateFile = path
                case ("certfile", let path?): tls.certificateFile = path
                case ("keyfile", let path?): tls.keyFile = path
                case ("verify", "verify_peer"): tls.verifyPeer = true
                case ("verify", "verify_none"): tls.verifyPeer = false
                default:
                    throw AMQPError(.invalidURL, "unknown amqps parameter '\(item.name)' (cacertfile, certfile, keyfile, verify=verify_peer|verify_none) in '\(Self.redacted(url))'")
                }
            }
            guard (tls.certificateFile == nil) == (tls.keyFile == nil) else {
                throw AMQPError(.invalidURL, "certfile and keyfile go together in '\(Self.redacted(url))'")
            }
            self.tls = tls
        }
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
        return "\(tls == nil ? "amqp" : "amqps")://\(user)@\(host):\(port)\(others)/\(virtualHost)"
    }

    static func redacted(_ url: String) -> String {
        // Up to the last `@` of each node's authority: a password with a raw `@`, `/` or `:` (an
        // invalid URL, the very case an error message quotes) is blanked whole.
        url.replacing(/:\/\/([^:@\/,]*):[^,]*@/) { "://\($0.1):***@" }
    }
}
