import CoverPayCore
import Fleet

/// A `payment.failed` (collector) or `payment.returned` (reconciler) as the retrier reads it.
struct PaymentFailure {
    var eventID: String
    var eventType: String
    var policyID: String
    var entryNumber: Int
    var paymentID: String
    var attempt: Int
    var rail: PaymentRail?
    var failureCode: String
    var classification: FailureClassification
    /// ACH: the presented entry's settlement (effective) date when the event carries it.
    var settledOn: CalendarDate?

    init(event: CloudEvent, policyID: String) throws(HandlerError) {
        let fields = EventData(event.data)
        eventID = event.id
        eventType = event.type
        self.policyID = policyID
        entryNumber = try fields.int("entry_number")
        paymentID = try fields.requiredString("payment_id")
        attempt = fields.optionalInt("attempt") ?? 1
        guard attempt >= 1 else { throw EventData.invalid("data.attempt must be 1 or more") }
        rail = fields.string("rail").flatMap(PaymentRail.init(rawValue:))
        var code = try fields.requiredString("failure_code")
        // A return that names only its Nacha code (`return_code`) is classified by that code.
        if !code.hasPrefix("ach_return_"), let returnCode = fields.string("return_code"), event.type == "coverpay.payment.returned" {
            code = "ach_return_\(returnCode)"
        }
        failureCode = code
        guard let classification = FailureClassification(failureCode: code) else {
            if code.hasPrefix("ach_return_") {
                throw HandlerError.rejected(reason: "unknown_return_code", detail: "'\(code.dropFirst("ach_return_".count))' is not a return reason code Nacha defines (R01–R85)")
            }
            throw HandlerError.rejected(reason: "unknown_failure_code", detail: "failure_code '\(code)' is in no classification table of the retrier")
        }
        self.classification = classification
        settledOn = fields.date("settled_on") ?? fields.date("effective_date")
    }
}
