import Fleet

/// The `reconciler` worker. Its capability has not landed yet (see docs/status.md): it runs the fleet
/// runtime (health, metrics, outbox relay) but declares and consumes no queue, so no event is
/// acknowledged without being handled.
public enum ReconcilerWorker {
    public static let definition = WorkerDefinition(name: "reconciler", defaultHTTPPort: 19104, handlers: [])
}
