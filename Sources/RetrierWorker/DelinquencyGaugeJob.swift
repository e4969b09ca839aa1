import CoverPayCore
import Fleet
import Logging
import Postgres

/// Samples how many policies are in each delinquency stage into `coverpay_delinquency_policies`,
/// every scan interval. A read-only count: every replica samples the same figure (dashboards take
/// the max), and there is nothing to claim.
struct DelinquencyGaugeJob: ScheduledJob {
    let name = "delinquency-gauge"

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        var counts: [DelinquencyStage: Int] = [:]
        for row in try database.query("SELECT stage, count(*)::int AS policies FROM retrier.policies GROUP BY stage") {
            if let stage = DelinquencyStage(rawValue: try row.decode("stage")) { counts[stage] = try row.decode("policies") }
        }
        RetrierMetrics.delinquency(worker: worker, policiesByStage: counts)
        return 0
    }
}
