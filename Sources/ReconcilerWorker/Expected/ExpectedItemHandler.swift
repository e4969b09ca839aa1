import CoverPayCore
import Fleet

/// What was sent, from the collector's events: `payment.attempted` records every attempt (an ACH
/// debit with its trace number and effective date), `payment.succeeded` gives a card capture its
/// processor reference. File lines that arrived before their attempt are matched now.
struct ExpectedItemHandler: EventHandler {
    let queue = ReconcilerWorker.paymentsQueue

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        // The reconciler's own payment.succeeded (an ACH deposit) tells it nothing new.
        guard event.source != ReconcilerWorker.name else { return }
        let data = event.data
        // A payment event without an attempt on a CoverPay rail (e.g. an upstream system's
        // payment.succeeded naming only the entry) is valid and has nothing to reconcile.
        guard let paymentID = data["payment_id"]?.stringValue, let rail = data["rail"]?.stringValue, ["card", "ach"].contains(rail) else {
            context.logger.debug("payment event without an attempt on a CoverPay rail", metadata: ["type": "\(event.type)"])
            return
        }
        guard let policyID = data["policy_id"]?.stringValue, let entry = data["entry_number"]?.intValue,
              let total = data["total"]?.stringValue ?? data["amount"]?.stringValue, let amount = try? Money(parsing: total)
        else { throw HandlerError.rejected(reason: "invalid_payment_event", detail: "\(event.type) lacks policy_id, entry_number or a total") }
        let today = try context.businessDate()
        let reference: String?
        let expectedOn: String
        if rail == "ach" {
            reference = data["trace_number"]?.stringValue
            expectedOn = data["effective_date"]?.stringValue ?? today
        } else {
            reference = event.type == "coverpay.payment.succeeded" ? data["processor_reference"]?.stringValue : nil
            expectedOn = today
        }
        if let reference { try MatchLocks.lock([reference], context.database) }
        try context.database.query(
            """
            INSERT INTO reconciler.expected_items (payment_id, policy_id, entry_number, attempt, rail, processor, reference, amount_cents,
                currency, expected_on, payment)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11::jsonb)
            ON CONFLICT (payment_id) DO UPDATE SET reference = COALESCE(reconciler.expected_items.reference, EXCLUDED.reference),
                expected_on = CASE WHEN EXCLUDED.rail = 'card' AND EXCLUDED.reference IS NOT NULL THEN EXCLUDED.expected_on
                                   ELSE reconciler.expected_items.expected_on END
            """,
            [paymentID, policyID, entry, data["attempt"]?.intValue ?? 1, rail, data["processor"]?.stringValue, reference, amount.cents,
             data["currency"]?.stringValue ?? "USD", expectedOn, ReconEvents.commonFields(data).serialized()]
        )
        if let reference {
            try Matcher(database: context.database, traceID: context.traceID).matchWaitingItems(reference: reference)
        }
    }
}
