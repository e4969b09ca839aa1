import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Publishes `installment.due` once per open entry whose due date (the schedule date, a banking day
/// earlier for ACH) the business clock has reached. Replicas share the scan: rows are claimed with
/// `FOR UPDATE SKIP LOCKED` and marked in the same transaction as the outbox row, so each entry is
/// announced exactly once. Entries with a zero or negative total owe nothing and are not announced.
struct DueInstallmentScan: ScheduledJob {
    let name = "due-installments"
    let batchSize = 200

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database in
            let rows = try database.query(
                """
                SELECT e.policy_id, e.entry_number, e.schedule_date::text AS schedule_date, e.due_date::text AS due_date,
                       e.premium_cents, e.fee_cents, e.tax_cents, e.total_cents, e.transaction,
                       p.rail, p.policy_number, p.state, p.line_of_business, p.carrier_id, p.agency_id
                FROM scheduler.entries e JOIN scheduler.policies p USING (policy_id)
                WHERE e.status = 'Valid' AND NOT e.is_paid AND e.due_published_at IS NULL
                  AND e.total_cents > 0 AND e.due_date <= coverpay.business_date()
                ORDER BY e.due_date, e.policy_id, e.entry_number
                LIMIT $1
                FOR UPDATE OF e SKIP LOCKED
                """,
                [batchSize]
            )
            for row in rows {
                let policyID: String = try row.decode("policy_id")
                let event = Outbox.makeEvent(
                    type: "coverpay.installment.due", subject: policyID, data: try Self.payload(row), source: worker
                )
                try Outbox.enqueue(event, producer: worker, traceID: event.id, on: database)
                try database.query(
                    "UPDATE scheduler.entries SET due_published_at = now() WHERE policy_id = $1 AND entry_number = $2",
                    [policyID, try row.decode("entry_number", as: Int.self)]
                )
            }
            if !rows.isEmpty { logger.info("installments due", metadata: ["count": "\(rows.count)"]) }
            return rows.count
        }
    }

    static func payload(_ row: PostgresRow) throws -> JSONValue {
        func money(_ column: String) throws -> JSONValue { .string(Money(cents: try row.decode(column, as: Int64.self)).description) }
        func text(_ column: String) -> JSONValue { row[column].map(JSONValue.string) ?? .null }
        return .object([
            "policy_id": text("policy_id"), "policy_number": text("policy_number"),
            "entry_number": .number(try row.decode("entry_number", as: String.self)),
            "schedule_date": text("schedule_date"), "due_date": text("due_date"), "transaction": text("transaction"),
            "amount": try money("total_cents"), "premium": try money("premium_cents"), "fee": try money("fee_cents"),
            "tax": try money("tax_cents"), "currency": .string("USD"), "rail_hint": text("rail"),
            "state": text("state"), "line_of_business": text("line_of_business"),
            "carrier_id": text("carrier_id"), "agency_id": text("agency_id"),
        ])
    }
}
