import CoverPayCore
import Fleet

/// The `accounting-sync` worker: money events in, journal entries (docs/accounting.md) and
/// `ledger.posted` out, with the trust check after each posting batch.
public enum AccountingSyncWorker {
    public static let queue = QueueDefinition(
        name: "accounting-sync.events",
        routingKeys: [
            "coverpay.policy.issued", "coverpay.installment.due",
            "coverpay.payment.succeeded", "coverpay.payment.settled", "coverpay.payment.returned",
            "coverpay.payment.received", "coverpay.payment.applied", "coverpay.payment.unapplied",
            "coverpay.refund.requested", "coverpay.fee.assessed", "coverpay.fee.waived", "coverpay.installment.written_off",
        ]
    )

    public static let definition = WorkerDefinition(
        name: "accounting-sync", defaultHTTPPort: 19105,
        handlers: [LedgerEventHandler()],
        jobs: [
            TrustCheckJob(),
            GLSyncJob(),
        ]
    )
}
