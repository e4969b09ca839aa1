import CoverPayCore
import Fleet
import Postgres

/// The scheduler's side of unapplied cash (docs/accounting.md): a payment for an entry that is no
/// longer Valid, and every external payment, is credited to the policy's unapplied cash, which then
/// pays open entries (`PolicySchedule.applyUnappliedCash`) or, on a cancelled policy, is refunded.
///
/// All under the policy's row lock taken by the caller, in the handler's transaction:
/// 1. The amount is added to `scheduler.policies.unapplied_cents` (with `payment.unapplied` for a
///    collected payment, so the ledger moves it from the entry's payables to 2060).
/// 2. The balance is applied: the entries it pays are saved as paid and announced one by one with
///    `payment.applied` (their premium / fee / tax, for the ledger), then `schedule.updated`.
/// 3. A refund (cancelled policy, nothing left to collect) is `refund.requested` with reason
///    `unapplied_cash`; the balance left is stored.
enum UnappliedCashBook {
    static func credit(
        _ amount: Money, to policy: inout StoredPolicy, event: CloudEvent, unappliedPayment: (paymentID: String?, entryNumber: Int)?,
        _ context: HandlerContext
    ) throws {
        let policyID = policy.schedule.policyID
        try context.database.query(
            "UPDATE scheduler.policies SET unapplied_cents = unapplied_cents + $2 WHERE policy_id = $1", [policyID, amount.cents]
        )
        let today = try context.businessDate()
        if let unappliedPayment {
            try context.emit(type: "coverpay.payment.unapplied", subject: policyID, data: .object([
                "policy_id": .string(policyID), "entry_number": .number("\(unappliedPayment.entryNumber)"),
                "payment_id": unappliedPayment.paymentID.map(JSONValue.string) ?? .null, "amount": .string(amount.description),
                "reason": .string(ScheduleError.Code.entryNotValid.rawValue), "unapplied_on": .string(today), "source_event_id": .string(event.id),
            ]))
        }
        try apply(to: &policy, eventID: event.id, context)
    }

    /// Steps 2 and 3; also run after a policy transaction (a cancellation may turn the balance into a refund).
    static func apply(to policy: inout StoredPolicy, eventID: String, _ context: HandlerContext) throws {
        let policyID = policy.schedule.policyID
        let balance = Money(cents: try context.database.query(
            "SELECT unapplied_cents FROM scheduler.policies WHERE policy_id = $1", [policyID]
        )[0].decode("unapplied_cents"))
        guard balance > .zero else { return }
        var schedule = policy.schedule
        let application = schedule.applyUnappliedCash(balance)
        guard application.remaining != balance else { return }
        policy.schedule = schedule
        try ScheduleStore.save(policy, issuance: nil, changedEntries: application.paidEntries, eventID: eventID, cause: "unapplied_cash", context.database)
        try context.database.query("UPDATE scheduler.policies SET unapplied_cents = $2 WHERE policy_id = $1", [policyID, application.remaining.cents])
        let today = try context.businessDate()
        for entry in application.paidEntries {
            let amounts = entry.amounts
            try context.emit(type: "coverpay.payment.applied", subject: policyID, data: .object([
                "policy_id": .string(policyID), "entry_number": .number("\(entry.entryNumber)"), "amount": .string(entry.total.description),
                "premium": .string(amounts.premium.description), "fee": .string(amounts.fee.description), "tax": .string(amounts.tax.description),
                "applied_on": .string(today), "source_event_id": .string(eventID),
            ]))
        }
        if !application.paidEntries.isEmpty {
            var data = ScheduleEventHandler.summary(schedule, application.change, changedEntries: application.paidEntries)
            data["payment_event_id"] = .string(eventID)
            try context.emit(type: "coverpay.schedule.updated", subject: policyID, data: .object(data))
        }
        if application.refund > .zero {
            try context.emit(type: "coverpay.refund.requested", subject: policyID, data: .object([
                "policy_id": .string(policyID), "amount": .string(application.refund.description), "currency": .string("USD"),
                "reason": .string("unapplied_cash"),
            ]))
        }
    }
}
