/// `coverpay schedule preview`: builds a schedule from a list of CloudEvents without any service.
///
/// Order: policy events are applied by `sequence` (stable, so equal sequences keep array order).
/// Each payment event is applied right after the highest-sequence policy event that precedes it
/// in the array, payments anchored to the same event in array order; so a payment listed after
/// an endorsement sees the endorsed schedule. Events that never change a schedule
/// (`coverpay.payment_method.updated`, `coverpay.payment.received`) are skipped; other types are refused.
public enum SchedulePreview {
    public static let ignoredEventTypes: Set<String> = ["coverpay.payment_method.updated", "coverpay.payment.received"]

    public static func run(events: [CloudEvent]) throws(ScheduleError) -> JSONValue {
        ScheduleJSON.encode(try schedule(events: events))
    }

    public static func schedule(events: [CloudEvent]) throws(ScheduleError) -> PolicySchedule {
        var transactions: [PolicyTransaction] = []
        var payments: [(anchor: Int, payment: SchedulePayment)] = []
        var anchor = 0
        for (index, event) in events.enumerated() {
            do throws(ScheduleError) {
                if PolicyTransaction.eventTypes[event.type] != nil {
                    let transaction = try PolicyTransaction(event: event)
                    transactions.append(transaction)
                    anchor = max(anchor, transaction.sequence)
                } else if SchedulePayment.Outcome(rawValue: event.type) != nil {
                    payments.append((anchor, try SchedulePayment(event: event)))
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
        var pending = payments[...]
        func applyPayments(upTo sequence: Int) throws(ScheduleError) {
            while let next = pending.first, next.anchor <= sequence {
                try schedule.apply(next.payment)
                pending = pending.dropFirst()
            }
        }
        try applyPayments(upTo: 0)
        for transaction in transactions.enumerated().sorted(by: { ($0.element.sequence, $0.offset) < ($1.element.sequence, $1.offset) }).map(\.element) {
            try schedule.apply(transaction)
            try applyPayments(upTo: transaction.sequence)
        }
        try applyPayments(upTo: .max)
        return schedule
    }
}
