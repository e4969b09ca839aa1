import Fleet
import Foundation

/// The `reconciler` worker: learns what was sent from the collector's payment events, imports the
/// bank's and processor's files (watched inbound folder, or `coverpay recon import`), matches them,
/// publishes payment.succeeded / settled / returned and recon.exception. docs/reconciliation.md.
public enum ReconcilerWorker {
    public static let name = "reconciler"

    public static let paymentsQueue = QueueDefinition(
        name: "reconciler.payments", routingKeys: ["coverpay.payment.attempted", "coverpay.payment.succeeded"]
    )

    public static let definition = WorkerDefinition(
        name: name, defaultHTTPPort: 19104,
        handlers: [ExpectedItemHandler()],
        jobs: [InboundFolderJob(settings: .current), ACHSettlementJob(), ExceptionSweepJob(settings: .current)]
    )
}

/// The reconciler's environment: `COVERPAY_RECON_INBOUND_DIR` (default .local/recon/inbound), and
/// `COVERPAY_RECON_GRACE_SECONDS` (default 300): how long a file line may wait for the payment
/// event it belongs to before it becomes an exception.
public struct ReconcilerSettings: Sendable {
    public var inboundDirectory: String
    public var graceSeconds: Int

    public static var current: ReconcilerSettings {
        let environment = ProcessInfo.processInfo.environment
        return ReconcilerSettings(
            inboundDirectory: environment["COVERPAY_RECON_INBOUND_DIR"] ?? ".local/recon/inbound",
            graceSeconds: environment["COVERPAY_RECON_GRACE_SECONDS"].flatMap(Int.init) ?? 300
        )
    }
}
