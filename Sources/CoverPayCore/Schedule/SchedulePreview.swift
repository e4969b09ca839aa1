/// `coverpay schedule preview`: builds a schedule from a list of CloudEvents without any service.
///
/// Order: policy events are applied by `sequence` (stable, so equal sequences keep array order).
/// Each payment event is applied right after the policy event listed just before it in the array
/// (payments after the same event keep their array order; payments before any policy event are
/// refused), so a payment listed after an endorsement sees the endorsed schedule. Events that never change a schedule
/// (`coverpay.payment_method.updated`, `coverpay.payment.received`) are skipped; other types are refused.
public enum SchedulePreview {
    public static let ignoredEventTypes: Set<String> = ["coverpay.payment_method.updated", "coverpay.payment.received"]

    public static func run(events: [CloudEvent]) throws(ScheduleError) -> JSONValue {
        ScheduleJSON.encode(try schedule(events: events))
    }

    public static func schedule(events: [CloudEvent]) throws(ScheduleError) -> PolicySchedule {
        var transactions: [PolicyTransaction] = []
        // Each payment with the position (in `transactions`) of the policy event listed before it.
        var payments: [(listedAfter: Int, payment: SchedulePayment)] = []
        for (index, event) in events.enumerated() {
            do throws(ScheduleError) {
                if PolicyTransaction.eventTypes[event.type] != nil {
                    transactions.append(try PolicyTransaction(event: event))
                } else if SchedulePayment.Outcome(rawValue: event.type) != nil {
                    let payment = try SchedulePayment(event: event)
                    guard !transactions.isEmpty else {
                        throw ScheduleError(.unknownPolicy, "payment for entry \(payment.entryNumber) is listed before any policy event")
                    }
                    payments.append((transactions.count - 1, payment))
                } else if !ignoredEventTypes.contains(event.type) {
                    throw ScheduleError(.unknownEventType, "event type '\(event.type)' has no effect on a schedule preview")
                }
            } catch {
                throw ScheduleError(error.code, "event \(index) ('\(event.id)'): \(error.message)")
            }
        }
        guard let policyID = transactions.first?.policyID else {
            throw ScheduleError(.unknownPolicy, "no coverpay.policy.* event to build a schedule from")
        }

        var schedule = PolicySchedule(policyID: policyID)
        let bySequence = transactions.indices.sorted { (transactions[$0].sequence, $0) < (transactions[$1].sequence, $1) }
        for position in bySequence {
            try schedule.apply(transactions[position])
            for payment in payments where payment.listedAfter == position {
                try schedule.apply(payment.payment)
            }
        }
        return schedule
    }
}
