import Fleet

/// The `retrier` worker (docs/retrier.md): learns each installment from `installment.due`,
/// classifies every `payment.failed` / `payment.returned`, schedules retries on the business clock
/// or opens delinquency, cures it when the arrears are paid, and runs the delinquency calendar
/// (notice, cancellation request). Manual recovery is `coverpay recovery …`.
public enum RetrierWorker {
    public static let name = "retrier"

    public static let queue = QueueDefinition(name: "retrier.events", routingKeys: [
        "coverpay.installment.due", "coverpay.payment.failed", "coverpay.payment.returned", "coverpay.payment.succeeded",
        "coverpay.payment.received", "coverpay.payment_method.updated", "coverpay.policy.cancelled", "coverpay.policy.reinstated",
        "coverpay.schedule.updated",
    ])

    public static let definition = WorkerDefinition(
        name: name, defaultHTTPPort: 19103,
        handlers: [RetrierEventHandler()],
        jobs: [DueRetryJob(), DelinquencyCalendarJob(), DelinquencyGaugeJob()]
    )
}
