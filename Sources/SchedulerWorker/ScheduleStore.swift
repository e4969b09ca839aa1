import CoverPayCore
import Postgres

/// Reads and writes one policy's schedule: the `PolicySchedule` value (the engine's whole state) in
/// `scheduler.policies`, and its entries as rows for the due scan and the CLI.
public struct StoredPolicy {
    public var schedule: PolicySchedule
    public var lastSequence: Int
    public var rail: InstallmentRail
    /// Whether events of this policy may wait in `scheduler.parked_events`: false only for a
    /// placeholder this transaction created. For an existing policy only a statement begun after
    /// the row lock was granted can tell, because parking holds that lock: an `EXISTS` in the
    /// locking `SELECT` itself reads the snapshot taken before the wait and misses an event parked
    /// by the transaction it waited for (that left chains parked until the sweep dead-lettered them).
    var mayHaveParkedEvents = true
}

public enum ScheduleStore {
    /// Locks and returns the policy, creating an empty placeholder (awaiting issuance) when absent so
    /// that concurrent events of one policy serialise on its row. A placeholder just inserted is
    /// locked by this transaction and, being new, has nothing parked.
    static func lock(_ policyID: String, _ database: PostgresConnection) throws -> StoredPolicy {
        let empty = PolicySchedule(policyID: policyID)
        let created = try database.query(
            "INSERT INTO scheduler.policies (policy_id, schedule) VALUES ($1, $2) ON CONFLICT (policy_id) DO NOTHING RETURNING 1 AS created",
            [policyID, empty.storageText]
        )
        if !created.isEmpty { return StoredPolicy(schedule: empty, lastSequence: 0, rail: .card, mayHaveParkedEvents: false) }
        return try decode(database.query("SELECT last_sequence, rail, schedule FROM scheduler.policies WHERE policy_id = $1 FOR UPDATE", [policyID])[0])
    }

    /// Locks and returns an existing policy, or nil when none was ever issued or parked.
    static func lockExisting(_ policyID: String, _ database: PostgresConnection) throws -> StoredPolicy? {
        try database.query(
            "SELECT last_sequence, rail, schedule FROM scheduler.policies WHERE policy_id = $1 AND last_sequence > 0 FOR UPDATE",
            [policyID]
        ).first.map(decode)
    }

    static func persistRail(_ policy: StoredPolicy, _ database: PostgresConnection) throws {
        try database.query("UPDATE scheduler.policies SET rail = $2 WHERE policy_id = $1", [policy.schedule.policyID, policy.rail.rawValue])
    }

    /// The stored policy without locking, or nil when unknown (for the CLI).
    public static func load(_ policyID: String, _ database: PostgresConnection) throws -> StoredPolicy? {
        try database.query(
            "SELECT last_sequence, rail, schedule FROM scheduler.policies WHERE policy_id = $1",
            [policyID]
        ).first.map(decode)
    }

    /// Saves the schedule (with the issuance's descriptive columns when it is one) and upserts the
    /// given entries, recording a revision for each.
    static func save(
        _ policy: StoredPolicy, issuance: PolicyIssuance?, changedEntries: [ScheduleEntry], eventID: String, cause: String,
        _ database: PostgresConnection
    ) throws {
        try database.query(
            """
            UPDATE scheduler.policies SET last_sequence = $2, rail = $3, schedule = $4, updated_at = now(),
                policy_number = coalesce($5, policy_number), state = coalesce($6, state),
                line_of_business = coalesce($7, line_of_business), carrier_id = coalesce($8, carrier_id),
                agency_id = coalesce($9, agency_id)
            WHERE policy_id = $1
            """,
            [policy.schedule.policyID, policy.lastSequence, policy.rail.rawValue, policy.schedule.storageText,
             issuance?.policyNumber, issuance?.state, issuance?.lineOfBusiness, issuance?.carrierID, issuance?.agencyID]
        )
        guard !changedEntries.isEmpty else { return }
        let rows: [JSONValue] = changedEntries.map { entry in
            let amounts = entry.amounts
            return .object([
                "entry_number": .number("\(entry.entryNumber)"),
                "schedule_date": .string(entry.scheduleDate.description),
                "due_date": .string(BankingCalendar.federalReserve.dueDate(for: entry.scheduleDate, rail: policy.rail).description),
                "transaction": .string(entry.transaction.rawValue),
                "status": .string(entry.status.rawValue),
                "is_paid": .bool(entry.isPaid),
                "premium_cents": .number("\(amounts.premium.cents)"),
                "fee_cents": .number("\(amounts.fee.cents)"),
                "tax_cents": .number("\(amounts.tax.cents)"),
                "total_cents": .number("\(entry.total.cents)"),
                "entry_json": ScheduleJSON.encode(entry, items: policy.schedule.items),
            ])
        }
        // One statement for all entries: the engine changes up to a term's worth at once.
        try database.query(
            """
            WITH changed AS (
                SELECT * FROM json_to_recordset($2::json) AS r(
                    entry_number int, schedule_date date, due_date date, transaction text, status text, is_paid boolean,
                    premium_cents bigint, fee_cents bigint, tax_cents bigint, total_cents bigint, entry_json json)
            ), upserted AS (
                INSERT INTO scheduler.entries (policy_id, entry_number, schedule_date, due_date, transaction, status, is_paid,
                                               premium_cents, fee_cents, tax_cents, total_cents)
                SELECT $1, entry_number, schedule_date, due_date, transaction, status, is_paid,
                       premium_cents, fee_cents, tax_cents, total_cents FROM changed
                ON CONFLICT (policy_id, entry_number) DO UPDATE SET
                    status = excluded.status, is_paid = excluded.is_paid, due_date = excluded.due_date,
                    premium_cents = excluded.premium_cents, fee_cents = excluded.fee_cents, tax_cents = excluded.tax_cents,
                    total_cents = excluded.total_cents
            )
            INSERT INTO scheduler.entry_revisions (policy_id, entry_number, event_id, cause, entry)
            SELECT $1, entry_number, $3, $4, entry_json FROM changed
            """,
            [policy.schedule.policyID, JSONValue.array(rows).serialized(), eventID, cause]
        )
    }

    /// Re-dates the open, not yet announced entries after the rail changed (ACH is sent a banking day early).
    static func redate(_ policy: StoredPolicy, _ database: PostgresConnection) throws {
        let open = policy.schedule.entries.filter { $0.isOpen }
        let dates: [JSONValue] = open.map { entry in
            .object([
                "entry_number": .number("\(entry.entryNumber)"),
                "due_date": .string(BankingCalendar.federalReserve.dueDate(for: entry.scheduleDate, rail: policy.rail).description),
            ])
        }
        try database.query(
            """
            UPDATE scheduler.entries e SET due_date = r.due_date
            FROM jsonb_to_recordset($2::jsonb) AS r(entry_number int, due_date date)
            WHERE e.policy_id = $1 AND e.entry_number = r.entry_number AND e.due_published_at IS NULL
            """,
            [policy.schedule.policyID, JSONValue.array(dates).serialized()]
        )
    }

    private static func decode(_ row: PostgresRow) throws -> StoredPolicy {
        StoredPolicy(
            schedule: try PolicySchedule(storageText: try row.decode("schedule")), lastSequence: try row.decode("last_sequence"),
            rail: InstallmentRail(rawValue: try row.decode("rail")) ?? .card
        )
    }
}
