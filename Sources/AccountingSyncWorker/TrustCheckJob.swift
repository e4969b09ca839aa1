import CoverPayCore
import Fleet
import Logging
import Metrics
import Postgres

/// The trust check after each posting batch: whenever the journal has grown since the last check,
/// premium trust cash (plus premium in transit to it) must cover the fiduciary liabilities. A breach
/// raises `coverpay_trust_shortfall_cents`, publishes `recon.exception` and logs at error level.
/// Every check also records both sides (`coverpay_trust_cash_cents`: trust cash plus premium in
/// transit; `coverpay_trust_fiduciary_liabilities_cents`) and `coverpay_trust_breach` (1 or 0).
///
/// Replicas share it safely:
/// 1. One transaction claims the single state row `FOR UPDATE SKIP LOCKED` (another replica holding it skips).
/// 2. If no entry was posted past `checked_through_id`, nothing to do.
/// 3. The balances are read in the same transaction; a breach is recorded through the outbox, so
///    the exception is published once the check commits.
/// 4. `checked_through_id` moves to the newest entry; the commit releases the row.
struct TrustCheckJob: ScheduledJob {
    let name = "trust-check"

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database in
            guard let state = try database.query(
                "SELECT checked_through_id, last_shortfall_cents FROM accounting.trust_check_state FOR UPDATE SKIP LOCKED"
            ).first else { return 0 }
            let checkedThrough: Int64 = try state.decode("checked_through_id")
            let newest: Int64 = try database.query("SELECT coalesce(max(entry_id), 0)::bigint AS newest FROM ledger.journal_entries")[0].decode("newest")
            guard newest > checkedThrough else { return 0 }
            let check = try Journal.trustCheck(database)
            Gauge(label: "coverpay_trust_shortfall_cents", dimensions: [("worker", worker)]).record(check.shortfall.cents)
            Gauge(label: "coverpay_trust_cash_cents", dimensions: [("worker", worker)]).record(check.covered.cents)
            Gauge(label: "coverpay_trust_fiduciary_liabilities_cents", dimensions: [("worker", worker)]).record(check.fiduciaryLiabilities.cents)
            Gauge(label: "coverpay_trust_breach", dimensions: [("worker", worker)]).record(check.holds ? 0 : 1)
            let previousShortfall = Money(cents: try state.decode("last_shortfall_cents"))
            if !check.holds {
                logger.error(
                    "TRUST BREACH: premium trust cash does not cover fiduciary liabilities",
                    metadata: ["trust_cash": "\(check.trustCash)", "in_transit": "\(check.inTransit)",
                               "fiduciary_liabilities": "\(check.fiduciaryLiabilities)", "shortfall": "\(check.shortfall)", "through_entry_id": "\(newest)"]
                )
                Counter(label: "coverpay_trust_breaches_total", dimensions: [("worker", worker)]).increment()
                if check.shortfall != previousShortfall {
                    try Outbox.enqueue(
                        Outbox.makeEvent(type: "coverpay.recon.exception", subject: nil, data: .object([
                            "exception_id": .string("trust-breach-\(newest)"), "kind": .string("trust_breach"), "status": .string("open"),
                            "amount": .string(check.shortfall.description), "reference": .string("ledger through entry \(newest)"),
                            "detail": .string("premium trust cash \(check.trustCash) + in transit \(check.inTransit) < fiduciary liabilities \(check.fiduciaryLiabilities)"),
                        ]), source: worker),
                        producer: worker, traceID: "trust-check-\(newest)", on: database
                    )
                }
            }
            try database.query(
                "UPDATE accounting.trust_check_state SET checked_through_id = $1, last_shortfall_cents = $2, checked_at = now()",
                [newest, check.shortfall.cents]
            )
            return 1
        }
    }
}
