import CoverPayCore
import Fleet
import Logging
import Postgres

/// ACH deposits that no return has followed within the return window (2 banking days after the
/// statement that showed them, on the business clock) become final: `payment.settled`. Claims rows
/// with SKIP LOCKED, so replicas share the work; the update and the event commit together.
struct ACHSettlementJob: ScheduledJob {
    let name = "recon-ach-settlement"
    static let returnWindowBankingDays = 2

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database -> Int in
            let today = try CalendarDate(iso: BusinessClock.today(database))
            let cutoff = Self.windowStart(today: today)
            let rows = try database.query(
                """
                SELECT \(ExpectedItem.columns) FROM reconciler.expected_items
                WHERE rail = 'ach' AND settled_on IS NULL AND returned_on IS NULL AND deposited_on IS NOT NULL AND deposited_on <= $1::date
                ORDER BY deposited_on, payment_id LIMIT 500 FOR UPDATE SKIP LOCKED
                """,
                [cutoff.description]
            )
            let events = ReconEvents(database: database, traceID: "recon-settle-\(today)")
            for row in rows {
                let item = try ExpectedItem(row: row)
                try database.query("UPDATE reconciler.expected_items SET settled_on = $2::date, processor_fee_cents = 0 WHERE payment_id = $1", [item.paymentID, today.description])
                try events.settled(item, reference: item.reference ?? "", on: today.description, processorFee: .zero)
            }
            return rows.count
        }
    }

    /// A deposit on or before this date has been past the return window by `today`.
    static func windowStart(today: CalendarDate) -> CalendarDate {
        var date = today
        for _ in 0..<returnWindowBankingDays { date = BankingCalendar.federalReserve.previousBankingDay(before: date) }
        return date
    }
}
