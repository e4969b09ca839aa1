/// AMQP header names CoverPay sets; on-call tooling and upstream consumers rely on them.
public enum Headers {
    public static let traceID = "x-coverpay-trace-id"
    public static let attempt = "x-coverpay-attempt"
    public static let firstSeen = "x-coverpay-first-seen"
    public static let errorReason = "x-coverpay-error-reason"
    public static let errorDetail = "x-coverpay-error-detail"
    public static let errorWorker = "x-coverpay-error-worker"
    public static let errorAttempts = "x-coverpay-error-attempts"
    public static let errorFirstSeen = "x-coverpay-error-first-seen"
    public static let originalExchange = "x-coverpay-original-exchange"
    public static let originalRoutingKey = "x-coverpay-original-routing-key"
    public static let originalQueue = "x-coverpay-original-queue"
    public static let replayedFrom = "x-coverpay-replayed-from"
}
