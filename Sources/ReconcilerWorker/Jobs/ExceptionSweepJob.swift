import CoverPayCore
import Fleet
import Logging
import Postgres

/// Opens the exceptions that only time reveals:
/// - a file line still unmatched after the grace period (`unmatched_deposit`, `unmatched_return`,
///   `unmatched_charge`, …): money with no payment CoverPay knows of;
/// - an ACH attempt with neither deposit nor return, or a card capture with no settlement, 2
///   banking days after it was due (`missing_deposit`, `missing_settlement`).
/// Claims with SKIP LOCKED; each exception is unique per line or attempt, so replicas never open one twice.
struct ExceptionSweepJob: ScheduledJob {
    let name = "recon-exceptions"
    let settings: ReconcilerSettings

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database -> Int in
            let today = try CalendarDate(iso: BusinessClock.today(database))
            let book = ExceptionBook(database: database, traceID: "recon-sweep-\(today)")
            let items = try database.query(
                """
                SELECT \(Matcher.Item.columns) FROM reconciler.items i
                WHERE status = 'UNMATCHED' AND created_at < now() - make_interval(secs => $1)
                  AND NOT EXISTS (SELECT 1 FROM reconciler.exceptions e WHERE e.item_id = i.id)
                ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED
                """,
                [settings.graceSeconds]
            )
            for row in items {
                let item = try Matcher.Item(row: row)
                try book.open(
                    kind: "unmatched_\(item.kind)", rail: item.rail, amount: item.amount, reference: item.reference, itemID: item.id, paymentID: nil, policyID: nil,
                    detail: "\(item.kind) of \(item.amount) on \(item.date) matches no payment", on: today.description
                )
            }
            let missing = try database.query(
                """
                SELECT \(ExpectedItem.columns) FROM reconciler.expected_items x
                WHERE status = 'UNMATCHED' AND reference IS NOT NULL AND deposited_on IS NULL AND settled_on IS NULL AND returned_on IS NULL
                  AND expected_on < $1::date
                  AND NOT EXISTS (SELECT 1 FROM reconciler.exceptions e WHERE e.payment_id = x.payment_id AND e.item_id IS NULL)
                ORDER BY expected_on, payment_id LIMIT 200 FOR UPDATE SKIP LOCKED
                """,
                [ACHSettlementJob.windowStart(today: today).description]
            )
            for row in missing {
                let item = try ExpectedItem(row: row)
                let kind = item.rail == "ach" ? "missing_deposit" : "missing_settlement"
                try book.open(
                    kind: kind, rail: item.rail, amount: item.amount, reference: item.reference ?? "", itemID: nil, paymentID: item.paymentID, policyID: item.policyID,
                    detail: "\(item.rail) payment \(item.paymentID) of \(item.amount) due \(item.expectedOn) has no \(item.rail == "ach" ? "deposit or return" : "settlement")",
                    on: today.description
                )
            }
            return items.count + missing.count
        }
    }
}
