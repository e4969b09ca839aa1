import CoverPayCore
import Metrics

/// What the retrier exports besides the runtime's counters (Deploy/grafana's retry and delinquency
/// panels). Counted when the decision is made, inside the message's transaction: a transaction that
/// rolls back and is redelivered counts its decision again, so these are rates to watch, not a
/// ledger (`retrier.retries` is the record).
enum RetrierMetrics {
    /// A retry scheduled, by the rule that planned it and the failure that caused it.
    static func retryScheduled(worker: String, rule: String, reason: String) {
        Counter(label: "coverpay_retries_scheduled_total", dimensions: [("worker", worker), ("rule", rule), ("reason", reason)]).increment()
    }

    /// An installment whose retries stopped (hard decline, unauthorized return, budget spent…), by rule.
    static func retriesStopped(worker: String, rule: String) {
        Counter(label: "coverpay_retries_stopped_total", dimensions: [("worker", worker), ("rule", rule)]).increment()
    }

    /// Policies per delinquency stage, every stage (zero included).
    static func delinquency(worker: String, policiesByStage: [DelinquencyStage: Int]) {
        for stage in DelinquencyStage.allCases {
            Gauge(label: "coverpay_delinquency_policies", dimensions: [("worker", worker), ("stage", stage.rawValue)]).record(policiesByStage[stage] ?? 0)
        }
    }
}
