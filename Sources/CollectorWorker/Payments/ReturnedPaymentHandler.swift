import CoverPayCore
import Fleet

/// Marks an attempt `returned` when the bank sends it back (`payment.returned`, from the
/// reconciler, or a test standing in for a bank file), so the retrier's next attempt of the same
/// installment is no longer blocked by a `pending` one and `ACHFileJob` can tell a Nacha
/// reinitiation (`RETRY PYMT`) from a new entry. The collector is the only writer of
/// `collector.payments` (docs/payment-loop.md).
struct ReturnedPaymentHandler: EventHandler {
    var queue: QueueDefinition { CollectorWorker.outcomesQueue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        guard let paymentID = event.data["payment_id"]?.stringValue else {
            throw HandlerError.rejected(reason: "missing_field", detail: "data.payment_id is required")
        }
        let failureCode = event.data["failure_code"]?.stringValue ?? "returned"
        let updated = try context.database.query(
            """
            UPDATE collector.payments SET status = 'returned', failure_code = $2, failure_message = $3, retryable = $4, decided_at = now()
            WHERE payment_id = $1 AND status <> 'returned' RETURNING 1 AS updated
            """,
            [paymentID, failureCode, event.data["message"]?.stringValue, event.data["retryable"]?.boolValue]
        )
        if updated.isEmpty, try PaymentStore.load(paymentID: paymentID, context.database) == nil {
            throw HandlerError.rejected(reason: "unknown_payment", detail: "payment '\(paymentID)' was never attempted by the collector")
        }
    }
}
