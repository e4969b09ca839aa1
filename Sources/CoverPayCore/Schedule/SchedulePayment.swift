/// A payment outcome for one schedule entry: `coverpay.payment.succeeded` marks it paid,
/// `coverpay.payment.returned` (late ACH return or chargeback) marks it unpaid again.
public struct SchedulePayment: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case succeeded = "coverpay.payment.succeeded"
        case returned = "coverpay.payment.returned"
    }

    public var policyID: String
    public var entryNumber: Int
    public var outcome: Outcome

    public init(policyID: String, entryNumber: Int, outcome: Outcome) {
        self.policyID = policyID
        self.entryNumber = entryNumber
        self.outcome = outcome
    }

    public init(event: CloudEvent) throws(ScheduleError) {
        guard let outcome = Outcome(rawValue: event.type) else {
            throw ScheduleError(.unknownEventType, "event type '\(event.type)' is not coverpay.payment.succeeded or coverpay.payment.returned")
        }
        let data = try EventFields(event.data, path: "data")
        let policyID = try data.string("policy_id")
        if let subject = event.subject, subject != policyID {
            throw ScheduleError(.policyMismatch, "data.policy_id '\(policyID)' differs from the event subject '\(subject)'")
        }
        let entryNumber = try data.integer("entry_number")
        guard entryNumber >= 1 else {
            throw ScheduleError(.invalidField, "data.entry_number \(entryNumber) must be 1 or more")
        }
        self.init(policyID: policyID, entryNumber: entryNumber, outcome: outcome)
    }
}

extension PolicySchedule {
    /// Applies a payment outcome to its entry.
    @discardableResult
    public mutating func apply(_ payment: SchedulePayment) throws(ScheduleError) -> ScheduleChange {
        guard payment.policyID == policyID else {
            throw ScheduleError(.policyMismatch, "payment for policy '\(payment.policyID)' applied to the schedule of '\(policyID)'")
        }
        return switch payment.outcome {
        case .succeeded: try markPaid(entryNumber: payment.entryNumber)
        case .returned: try markUnpaid(entryNumber: payment.entryNumber)
        }
    }
}

extension SchedulePayment {
    /// What a collected payment brought in: its `total` (installment plus surcharge), or `amount` when the producer gave no total.
    public static func collectedAmount(of event: CloudEvent) throws(ScheduleError) -> Money {
        let data = try EventFields(event.data, path: "data")
        if data.optional("total") == nil { return try data.money("amount") }
        return try data.money("total")
    }

    /// The positive `amount` of a `payment.received`.
    public static func receivedAmount(of event: CloudEvent) throws(ScheduleError) -> Money {
        let amount = try EventFields(event.data, path: "data").money("amount")
        guard amount > .zero else { throw ScheduleError(.invalidField, "data.amount \(amount) of a received payment must be positive") }
        return amount
    }
}
