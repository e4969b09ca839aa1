import CoverPayCore
import Fleet

/// Moves an attempt's status as the reconciler learns its fate (docs/payment-loop.md):
/// `pending` → `succeeded` (ACH deposit seen) → `settled` (final); `returned` from any of them.
/// Each update names the statuses it may leave, so a redelivered or late event changes nothing.
struct PaymentOutcomeHandler: EventHandler {
    var queue: QueueDefinition { CollectorWorker.outcomesQueue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        // An outcome naming no attempt (e.g. an upstream payment for the entry) is valid and
        // concerns no row of collector.payments.
        guard let paymentID = event.data["payment_id"]?.stringValue else { return }
        switch event.type {
        case "coverpay.payment.succeeded":
            try context.database.query(
                "UPDATE collector.payments SET status = 'succeeded' WHERE payment_id = $1 AND status IN ('pending', 'unknown')", [paymentID]
            )
        case "coverpay.payment.settled":
            try context.database.query(
                "UPDATE collector.payments SET status = 'settled' WHERE payment_id = $1 AND status IN ('pending', 'unknown', 'succeeded')", [paymentID]
            )
        case "coverpay.payment.returned":
            try context.database.query(
                "UPDATE collector.payments SET status = 'returned', failure_code = $2 WHERE payment_id = $1 AND status <> 'returned'",
                [paymentID, event.data["failure_code"]?.stringValue]
            )
        default:
            throw HandlerError.rejected(reason: "unknown_type", detail: "the collector's outcomes queue does not handle '\(event.type)'")
        }
    }
}
