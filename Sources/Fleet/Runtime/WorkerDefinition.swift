/// What makes a worker: its name, its default HTTP port, the handlers of its queues and its periodic jobs.
public struct WorkerDefinition: Sendable {
    public let name: String
    public let defaultHTTPPort: Int
    public let handlers: [any EventHandler]
    public let jobs: [any ScheduledJob]

    public init(name: String, defaultHTTPPort: Int, handlers: [any EventHandler], jobs: [any ScheduledJob] = []) {
        self.name = name
        self.defaultHTTPPort = defaultHTTPPort
        self.handlers = handlers
        self.jobs = jobs
    }

    public var queues: [QueueDefinition] { handlers.map(\.queue) }
}
