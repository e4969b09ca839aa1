import CoverPayCore
import Fleet
import Postgres

/// The retrier's tables (`retrier.*`, migration 005) as the handlers and jobs use them, inside the
/// transaction the runtime (or the job) opened. Lock order, in every transaction: installment rows
/// first, then the policy row (so two consumer threads or replicas never deadlock on one policy).
struct RecoveryBook {
    let context: HandlerContext
    let today: CalendarDate

    var database: PostgresConnection { context.database }

    struct Installment {
        var policyID: String
        var entryNumber: Int
        var amount: Money
        var scheduleDate: CalendarDate
        var status: InstallmentStatus
        var lastAttempt: Int
        var budgetStartAttempt: Int
        var budgetStartedOn: CalendarDate
        var originalSettlement: CalendarDate?
        var dueData: JSONValue
    }

    struct Policy {
        var policyID: String
        var state: String
        var delinquency: Delinquency
    }

    /// Stores the installment the first time it is due (attempt 1, from the scheduler); a later
    /// `installment.due` is the retrier's own retry coming back and changes nothing here.
    func learnInstallment(policyID: String, data: JSONValue) throws {
        let fields = EventData(data)
        let entryNumber = try fields.int("entry_number")
        let amount = try fields.money("amount")
        guard let scheduleDate = fields.date("schedule_date") else { throw EventData.invalid("data.schedule_date must be a YYYY-MM-DD date") }
        try database.query(
            """
            INSERT INTO retrier.policies (policy_id, state) VALUES ($1, $2)
            ON CONFLICT (policy_id) DO UPDATE SET state = CASE WHEN $2 = '' THEN retrier.policies.state ELSE $2 END
            """,
            [policyID, fields.string("state") ?? ""]
        )
        guard (fields.optionalInt("attempt") ?? 1) == 1 else { return }
        try database.query(
            """
            INSERT INTO retrier.installments (policy_id, entry_number, amount_cents, schedule_date, due_data, budget_started_on)
            VALUES ($1, $2, $3, $4::date, $5::jsonb, $6::date) ON CONFLICT DO NOTHING
            """,
            [policyID, entryNumber, amount.cents, scheduleDate.description, data.serialized(), today.description]
        )
    }

    /// The installment, locked for this transaction; nil when no `installment.due` announced it.
    func lockInstallment(_ policyID: String, _ entryNumber: Int) throws -> Installment? {
        try lockInstallments(policyID, entryNumbers: [entryNumber]).first
    }

    /// Those of the entries that an `installment.due` announced, locked in entry order, in one
    /// statement: a `schedule.updated` names every entry of a schedule, and at issuance the
    /// retrier knows none of them (one query per entry was a tenth of the intake's CPU, issue #13).
    func lockInstallments(_ policyID: String, entryNumbers: [Int]) throws -> [Installment] {
        guard !entryNumbers.isEmpty else { return [] }
        return try database.query(
            """
            SELECT \(Self.installmentColumns) FROM retrier.installments
            WHERE policy_id = $1 AND entry_number = ANY($2::int[]) ORDER BY entry_number FOR UPDATE
            """,
            [policyID, entryNumbers]
        ).map(Self.installment)
    }

    /// Every installment of a policy in arrears, oldest first, locked.
    func arrearsInstallments(_ policyID: String) throws -> [Installment] {
        try database.query(
            """
            SELECT \(Self.installmentColumns) FROM retrier.installments
            WHERE policy_id = $1 AND status IN ('retrying', 'stopped') ORDER BY entry_number FOR UPDATE
            """,
            [policyID]
        ).map(Self.installment)
    }

    func lockPolicy(_ policyID: String) throws -> Policy? {
        guard let row = try database.query(
            """
            SELECT policy_id, state, stage, past_due_since::text AS past_due_since, notice_requested_on::text AS notice_requested_on,
                   earliest_cancellation_date::text AS earliest_cancellation_date
            FROM retrier.policies WHERE policy_id = $1 FOR UPDATE
            """,
            [policyID]
        ).first else { return nil }
        return try Self.policy(row)
    }

    func arrears(_ policyID: String) throws -> Money {
        Money(cents: try database.query(
            "SELECT coalesce(sum(amount_cents), 0)::bigint AS cents FROM retrier.installments WHERE policy_id = $1 AND status IN ('retrying', 'stopped')",
            [policyID]
        )[0].decode("cents"))
    }

    /// Records a failure once per payment: false when this payment's failure was already handled
    /// (a redelivery under another message id, or a duplicate publication).
    func recordFailure(_ failure: PaymentFailure, decision: JSONValue) throws -> Bool {
        !(try database.query(
            """
            INSERT INTO retrier.failures (payment_id, policy_id, entry_number, attempt, event_type, failure_code, decision, learned_on, event_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::date, $9) ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id
            """,
            [failure.paymentID, failure.policyID, failure.entryNumber, failure.attempt, failure.eventType, failure.failureCode,
             decision.serialized(), today.description, failure.eventID]
        ).isEmpty)
    }

    /// Schedules attempt `attempt` once: false when a retry with that number already exists.
    func scheduleRetry(_ installment: Installment, attempt: Int, retryOf: String, on date: CalendarDate, rule: String, reason: String) throws -> Bool {
        !(try database.query(
            """
            INSERT INTO retrier.retries (policy_id, entry_number, attempt, retry_of, retry_on, rule, reason)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7) ON CONFLICT DO NOTHING RETURNING attempt
            """,
            [installment.policyID, installment.entryNumber, attempt, retryOf, date.description, rule, reason]
        ).isEmpty)
    }

    /// The highest attempt number used or reserved for the installment.
    func highestAttempt(_ installment: Installment) throws -> Int {
        max(installment.lastAttempt, try database.query(
            "SELECT coalesce(max(attempt), 1) AS n FROM retrier.retries WHERE policy_id = $1 AND entry_number = $2",
            [installment.policyID, installment.entryNumber]
        )[0].decode("n", as: Int.self))
    }

    /// Cancels the retries not yet published (all of the policy's when `entryNumber` is nil).
    @discardableResult
    func cancelPendingRetries(_ policyID: String, entryNumber: Int? = nil, reason: String) throws -> Int {
        try database.query(
            """
            UPDATE retrier.retries SET status = 'cancelled', status_reason = $3
            WHERE policy_id = $1 AND ($2::int IS NULL OR entry_number = $2) AND status = 'scheduled' RETURNING attempt
            """,
            [policyID, entryNumber, reason]
        ).count
    }

    func update(_ installment: Installment, status: InstallmentStatus, lastAttempt: Int? = nil, paymentID: String? = nil, failureCode: String? = nil,
                stopRule: String? = nil, stopReason: String? = nil) throws {
        try database.query(
            """
            UPDATE retrier.installments SET status = $3, last_attempt = greatest(last_attempt, coalesce($4, last_attempt)),
                last_payment_id = coalesce($5, last_payment_id), last_failure_code = coalesce($6, last_failure_code),
                stop_rule = $7, stop_reason = $8, budget_start_attempt = $9, budget_started_on = $10::date,
                original_settlement = $11::date, updated_at = now()
            WHERE policy_id = $1 AND entry_number = $2
            """,
            [installment.policyID, installment.entryNumber, status.rawValue, lastAttempt, paymentID, failureCode, stopRule, stopReason,
             installment.budgetStartAttempt, installment.budgetStartedOn.description, installment.originalSettlement?.description]
        )
    }

    static let installmentColumns = """
        policy_id, entry_number, amount_cents, schedule_date::text AS schedule_date, status, last_attempt, budget_start_attempt,
        budget_started_on::text AS budget_started_on, original_settlement::text AS original_settlement, due_data::text AS due_data
        """

    static func installment(_ row: PostgresRow) throws -> Installment {
        Installment(
            policyID: try row.decode("policy_id"), entryNumber: try row.decode("entry_number"),
            amount: Money(cents: try row.decode("amount_cents")), scheduleDate: try CalendarDate(iso: row.decode("schedule_date")),
            status: try Self.status(row), lastAttempt: try row.decode("last_attempt"),
            budgetStartAttempt: try row.decode("budget_start_attempt"), budgetStartedOn: try CalendarDate(iso: row.decode("budget_started_on")),
            originalSettlement: try row["original_settlement"].map { try CalendarDate(iso: $0) },
            dueData: try JSONValue.parse(Array(try row.decode("due_data", as: String.self).utf8))
        )
    }

    static func status(_ row: PostgresRow) throws -> InstallmentStatus {
        let text: String = try row.decode("status")
        guard let status = InstallmentStatus(rawValue: text) else { throw HandlerError.transient("unknown installment status '\(text)' in retrier.installments") }
        return status
    }

    static func policy(_ row: PostgresRow) throws -> Policy {
        func date(_ column: String) throws -> CalendarDate? { try row[column].map { try CalendarDate(iso: $0) } }
        let stageText: String = try row.decode("stage")
        guard let stage = DelinquencyStage(rawValue: stageText) else { throw HandlerError.transient("unknown stage '\(stageText)' in retrier.policies") }
        return Policy(
            policyID: try row.decode("policy_id"), state: try row.decode("state"),
            delinquency: Delinquency(stage: stage, pastDueSince: try date("past_due_since"), noticeRequestedOn: try date("notice_requested_on"),
                                     earliestCancellationDate: try date("earliest_cancellation_date"))
        )
    }
}
