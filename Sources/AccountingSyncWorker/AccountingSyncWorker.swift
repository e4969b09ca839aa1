import Fleet

/// The `accounting-sync` worker. Its capability has not landed yet (see docs/status.md): it runs the fleet
/// runtime (health, metrics, outbox relay) but declares and consumes no queue, so no event is
/// acknowledged without being handled.
public enum AccountingSyncWorker {
    public static let definition = WorkerDefinition(name: "accounting-sync", defaultHTTPPort: 19105, handlers: [], jobs: [GLSyncJob()])
}
