import CoverPayCore
import Fleet
import Foundation

/// The `scheduler` worker: policy events in, payment schedules stored, `installment.due` out.
public enum SchedulerWorker {
    public static let queue = QueueDefinition(
        name: "scheduler.events",
        routingKeys: Array(PolicyTransaction.eventTypes.keys).sorted() + [
            "coverpay.payment_method.updated", "coverpay.payment.succeeded", "coverpay.payment.returned",
            "coverpay.payment.received",
        ]
    )

    /// How long an event waits for a missing predecessor before it is dead-lettered
    /// (`COVERPAY_PARK_TIMEOUT_SECONDS`, default 300).
    static var parkTimeoutSeconds: Int {
        ProcessInfo.processInfo.environment["COVERPAY_PARK_TIMEOUT_SECONDS"].flatMap(Int.init) ?? 300
    }

    public static let definition = WorkerDefinition(
        name: "scheduler", defaultHTTPPort: 19101,
        handlers: [ScheduleEventHandler()],
        jobs: [DueInstallmentScan(), ParkedEventSweep(timeoutSeconds: parkTimeoutSeconds)]
    )
}
