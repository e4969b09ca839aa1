import CoverPayCore
import Fleet

/// One queue, in publication order, so an installment's `installment.due` is stored before the
/// failure of its first attempt arrives (the collector publishes that failure only after consuming
/// the same `installment.due`).
struct RetrierEventHandler: EventHandler {
    var queue: QueueDefinition { RetrierWorker.queue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        guard let policyID = event.policyID else {
            throw HandlerError.rejected(reason: "missing_field", detail: "the event has neither subject nor data.policy_id")
        }
        let book = RecoveryBook(context: context, today: try CalendarDate(iso: context.businessDate()))
        switch event.type {
        case "coverpay.installment.due":
            try book.learnInstallment(policyID: policyID, data: event.data)
        case "coverpay.payment.failed", "coverpay.payment.returned":
            try FailureRecovery(book: book).handle(try PaymentFailure(event: event, policyID: policyID))
        case "coverpay.payment.succeeded":
            let fields = EventData(event.data)
            try ArrearsPayment(book: book).entryPaid(
                policyID: policyID, entryNumber: try fields.int("entry_number"), by: "payment \(fields.string("payment_id") ?? event.id)"
            )
        case "coverpay.payment.received":
            let fields = EventData(event.data)
            try ArrearsPayment(book: book).received(
                policyID: policyID, amount: try fields.money("amount"), entryNumber: fields.optionalInt("entry_number"),
                reference: fields.string("reference") ?? event.id
            )
        case "coverpay.schedule.updated":
            try ScheduleChanges(book: book).apply(policyID: policyID, data: event.data)
        case "coverpay.payment_method.updated":
            try MethodChange(book: book).apply(policyID: policyID)
        case "coverpay.policy.cancelled":
            try PolicyStatusChange(book: book).cancelled(policyID: policyID)
        case "coverpay.policy.reinstated":
            try PolicyStatusChange(book: book).reinstated(policyID: policyID)
        default:
            throw HandlerError.rejected(reason: "unknown_type", detail: "the retrier does not handle '\(event.type)'")
        }
    }
}
