/// The card processor adapters by the names the routing table uses. All are sandboxes for now.
struct CardProcessors: Sendable {
    private let adapters: [String: any CardProcessor]

    init(_ adapters: [any CardProcessor]) {
        self.adapters = Dictionary(uniqueKeysWithValues: adapters.map { ($0.name, $0) })
    }

    /// The sandboxes' books are a stand-in's artefact, not the processors' capacity: a few
    /// connections per process serve every request in flight.
    static func sandboxes(databaseURL: String, settings: SandboxCardSettings) -> CardProcessors {
        let books = ConnectionPool(limit: 8)
        return CardProcessors(["sandbox-a", "sandbox-b"].map {
            SandboxCardProcessor(name: $0, databaseURL: databaseURL, connections: books, settings: settings)
        })
    }

    subscript(name: String) -> (any CardProcessor)? { adapters[name] }
}
