import CoverPayCore
import Fleet
import Logging
import Postgres

/// Advances delinquency with the business clock: a past-due policy whose state's grace period
/// passed gets its notice (`notice.requested`, earliest cancellation = notice date + the state's
/// notice days); a noticed policy whose earliest cancellation date came unpaid goes upstream as
/// `policy.cancellation_requested`. Policies are claimed `FOR UPDATE SKIP LOCKED` and each
/// transition commits with its events (`RecoveryBook.apply`), so replicas advance each once.
struct DelinquencyCalendarJob: ScheduledJob {
    let name = "delinquency-calendar"
    let batchSize = 200

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database in
            let today = try CalendarDate(iso: BusinessClock.today(database))
            let rules = try RetrierRules.compliance()
            let rows = try database.query(
                """
                SELECT policy_id, state, stage, past_due_since::text AS past_due_since, notice_requested_on::text AS notice_requested_on,
                       earliest_cancellation_date::text AS earliest_cancellation_date
                FROM retrier.policies
                WHERE (stage = 'past_due' AND past_due_since <= $1::date)
                   OR (stage = 'notice_sent' AND earliest_cancellation_date <= $1::date)
                ORDER BY policy_id LIMIT $2
                FOR UPDATE SKIP LOCKED
                """,
                [today.description, batchSize]
            )
            var advanced = 0
            for row in rows {
                let policy = try RecoveryBook.policy(row)
                guard let transition = DelinquencyRules.advance(policy.delinquency, today: today, state: policy.state, rules: rules) else { continue }
                let context = HandlerContext(database: database, worker: worker, traceID: policy.policyID, logger: logger)
                try RecoveryBook(context: context, today: today).apply(transition, to: policy)
                advanced += 1
            }
            if advanced > 0 { logger.info("delinquency advanced", metadata: ["count": "\(advanced)"]) }
            return advanced
        }
    }
}
