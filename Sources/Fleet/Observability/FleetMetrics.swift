import Metrics

/// The counters every worker exports; names follow Prometheus conventions.
struct FleetMetrics: Sendable {
    let worker: String

    func consumed(queue: String, outcome: String) {
        Counter(label: "coverpay_messages_total", dimensions: [("worker", worker), ("queue", queue), ("outcome", outcome)]).increment()
    }

    func deadLettered(queue: String, reason: String) {
        Counter(label: "coverpay_dead_letters_total", dimensions: [("worker", worker), ("queue", queue), ("reason", reason)]).increment()
    }

    func relayed(count: Int) {
        Counter(label: "coverpay_outbox_published_total", dimensions: [("worker", worker)]).increment(by: count)
    }

    func unroutable(count: Int) {
        Counter(label: "coverpay_outbox_unroutable_total", dimensions: [("worker", worker)]).increment(by: count)
    }

    /// Rows of this worker's outbox not yet published, sampled by the relay.
    func outboxBacklog(_ rows: Int) {
        Gauge(label: "coverpay_outbox_backlog", dimensions: [("worker", worker)]).record(rows)
    }

    func handled(queue: String, duration: Duration) {
        Timer(label: "coverpay_handler_duration_seconds", dimensions: [("worker", worker), ("queue", queue)]).record(duration: duration)
    }
}
