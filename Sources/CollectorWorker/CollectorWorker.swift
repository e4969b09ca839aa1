import Fleet

/// The `collector` worker. Its capability has not landed yet (see docs/status.md): it runs the fleet
/// runtime (health, metrics, outbox relay) but declares and consumes no queue, so no event is
/// acknowledged without being handled.
public enum CollectorWorker {
    public static let definition = WorkerDefinition(name: "collector", defaultHTTPPort: 19102, handlers: [])
}
