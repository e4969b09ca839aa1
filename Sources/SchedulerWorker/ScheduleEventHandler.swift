import CoverPayCore
import Fleet
import Postgres

/// Applies policy events in `sequence` order per policy (a gap parks the event; a repeated
/// `transaction_id` is a no-op), payment outcomes (Is Paid) and payment-method changes (the rail,
/// hence the lead time), and emits `schedule.updated` and `refund.requested`.
struct ScheduleEventHandler: EventHandler {
    var queue: QueueDefinition { SchedulerWorker.queue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        switch event.type {
        case SchedulePayment.Outcome.succeeded.rawValue, SchedulePayment.Outcome.returned.rawValue:
            try applyPayment(event, context)
        case "coverpay.payment.received":
            try receivePayment(event, context)
        case "coverpay.payment_method.updated":
            try updatePaymentMethod(event, context)
        default:
            try applyPolicyEvent(event, context)
        }
    }

    private func applyPolicyEvent(_ event: CloudEvent, _ context: HandlerContext) throws {
        let transaction = try rejecting { () throws(ScheduleError) in try PolicyTransaction(event: event) }
        var policy = try ScheduleStore.lock(transaction.policyID, context.database)
        if policy.schedule.appliedTransactionIDs.contains(transaction.transactionID) {
            return context.logger.info("transaction already applied; nothing to do", metadata: ["transaction_id": "\(transaction.transactionID)"])
        }
        if transaction.sequence <= policy.lastSequence {
            throw HandlerError.rejected(
                reason: "sequence_conflict",
                detail: "sequence \(transaction.sequence) of policy \(transaction.policyID) was already applied by another transaction (last applied: \(policy.lastSequence))"
            )
        }
        if transaction.sequence > policy.lastSequence + 1 {
            return try park(event, transaction, policy, context)
        }
        try apply(transaction, eventID: event.id, to: &policy, context)
        try drainParked(after: &policy, context)
        // A cancellation can turn unapplied cash into a refund; a reinstatement can give it entries to pay.
        try UnappliedCashBook.apply(to: &policy, eventID: event.id, context)
    }

    /// Applies one transaction and stores what changed.
    private func apply(_ transaction: PolicyTransaction, eventID: String, to policy: inout StoredPolicy, _ context: HandlerContext) throws {
        var schedule = policy.schedule
        let change = try rejecting { () throws(ScheduleError) in try schedule.apply(transaction) }
        policy.schedule = schedule
        policy.lastSequence = transaction.sequence
        var issuance: PolicyIssuance?
        if case .issuance(let issued) = transaction.kind {
            issuance = issued
            policy.rail = Self.rail(of: issued.paymentMethod)
        }
        let changed = schedule.createdEntries(change) + schedule.updatedEntries(change)
        try ScheduleStore.save(
            policy, issuance: issuance, changedEntries: changed, eventID: eventID, cause: transaction.kind.transactionKind.rawValue, context.database
        )
        var data = Self.summary(schedule, change, changedEntries: changed)
        data["transaction_id"] = .string(transaction.transactionID)
        data["sequence"] = .number("\(transaction.sequence)")
        data["transaction"] = .string(transaction.kind.transactionKind.rawValue)
        try context.emit(type: "coverpay.schedule.updated", subject: transaction.policyID, data: .object(data))
        if let refund = change.refundOwed, let entry = schedule.createdEntries(change).last {
            try context.emit(type: "coverpay.refund.requested", subject: transaction.policyID, data: .object([
                "policy_id": .string(transaction.policyID), "entry_number": .number("\(entry.entryNumber)"),
                "amount": .string(refund.description), "currency": .string("USD"),
                "reason": .string(transaction.kind.transactionKind.rawValue),
            ]))
        }
    }

    /// Keeps an event whose predecessor has not arrived; `ParkedEventSweep` dead-letters it if it waits too long.
    private func park(_ event: CloudEvent, _ transaction: PolicyTransaction, _ policy: StoredPolicy, _ context: HandlerContext) throws {
        let parked = try context.database.query(
            """
            INSERT INTO scheduler.parked_events (policy_id, sequence, event_id, body) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING RETURNING 1 AS parked
            """,
            [transaction.policyID, transaction.sequence, event.id, event.json.serialized()]
        )
        guard !parked.isEmpty else {
            throw HandlerError.rejected(
                reason: "sequence_conflict",
                detail: "another event with sequence \(transaction.sequence) of policy \(transaction.policyID) is already waiting"
            )
        }
        context.logger.info("parked until sequence \(policy.lastSequence + 1) arrives", metadata: ["sequence": "\(transaction.sequence)"])
    }

    /// Applies parked successors that are now in order. One that the engine refuses is dead-lettered
    /// (through the outbox) and the chain stops there until an operator fixes and replays it.
    private func drainParked(after policy: inout StoredPolicy, _ context: HandlerContext) throws {
        guard policy.mayHaveParkedEvents else { return }
        while let row = try context.database.query(
            "DELETE FROM scheduler.parked_events WHERE policy_id = $1 AND sequence = $2 RETURNING event_id, body",
            [policy.schedule.policyID, policy.lastSequence + 1]
        ).first {
            let body: String = try row.decode("body")
            let event = try CloudEvent(json: JSONValue.parse(Array(body.utf8)))
            do {
                let transaction = try rejecting { () throws(ScheduleError) in try PolicyTransaction(event: event) }
                try apply(transaction, eventID: event.id, to: &policy, context)
            } catch HandlerError.rejected(let reason, let detail) {
                try ParkedEventSweep.deadLetter(body: body, event: event, reason: reason, detail: detail, firstSeen: nil, context.database)
                return
            }
        }
    }

    private func applyPayment(_ event: CloudEvent, _ context: HandlerContext) throws {
        let payment = try rejecting { () throws(ScheduleError) in try SchedulePayment(event: event) }
        guard var policy = try ScheduleStore.lockExisting(payment.policyID, context.database) else {
            throw HandlerError.rejected(reason: "unknown_policy", detail: "no schedule for policy '\(payment.policyID)'")
        }
        var schedule = policy.schedule
        let change: ScheduleChange
        do {
            change = try schedule.apply(payment)
        } catch where error.code == .entryNotValid && payment.outcome == .succeeded {
            // Money for an entry that no longer exists as billed: unapplied cash on the policy.
            let amount = try rejecting { () throws(ScheduleError) in try SchedulePayment.collectedAmount(of: event) }
            return try UnappliedCashBook.credit(
                amount, to: &policy, event: event, unappliedPayment: (event.data["payment_id"]?.stringValue, payment.entryNumber), context
            )
        } catch {
            throw HandlerError.rejected(reason: error.code.rawValue, detail: error.message)
        }
        policy.schedule = schedule
        let changed = schedule.updatedEntries(change)
        try ScheduleStore.save(policy, issuance: nil, changedEntries: changed, eventID: event.id, cause: event.type, context.database)
        var data = Self.summary(schedule, change, changedEntries: changed)
        data["payment_event_id"] = .string(event.id)
        try context.emit(type: "coverpay.schedule.updated", subject: payment.policyID, data: .object(data))
    }

    /// An external payment (check, lockbox, agent sweep): unapplied cash until it pays open entries.
    private func receivePayment(_ event: CloudEvent, _ context: HandlerContext) throws {
        let amount = try rejecting { () throws(ScheduleError) in try SchedulePayment.receivedAmount(of: event) }
        guard let policyID = event.policyID, var policy = try ScheduleStore.lockExisting(policyID, context.database) else {
            throw HandlerError.rejected(reason: "unknown_policy", detail: "no schedule for policy '\(event.policyID ?? "-")'")
        }
        try UnappliedCashBook.credit(amount, to: &policy, event: event, unappliedPayment: nil, context)
    }

    private func updatePaymentMethod(_ event: CloudEvent, _ context: HandlerContext) throws {
        guard let policyID = event.policyID else {
            throw HandlerError.rejected(reason: "missing_field", detail: "the event has neither subject nor data.policy_id")
        }
        guard var policy = try ScheduleStore.lockExisting(policyID, context.database) else {
            throw HandlerError.rejected(reason: "unknown_policy", detail: "no schedule for policy '\(policyID)'")
        }
        let rail = Self.rail(of: event.data["payment_method"])
        guard rail != policy.rail else { return }
        policy.rail = rail
        try ScheduleStore.persistRail(policy, context.database)
        try ScheduleStore.redate(policy, context.database)
    }

    /// ACH debits are sent a banking day early; everything else is charged on the date.
    static func rail(of paymentMethod: JSONValue?) -> InstallmentRail {
        paymentMethod?["type"]?.stringValue == "ach" ? .ach : .card
    }

    /// The `schedule.updated` payload: the billable total and the changed entries without their
    /// details (`coverpay schedule show --details` has those). Carrying the whole schedule would
    /// make every event, and its timeline row, grow with the policy's history.
    static func summary(_ schedule: PolicySchedule, _ change: ScheduleChange, changedEntries: [ScheduleEntry]) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "policy_id": .string(schedule.policyID),
            "billable_total": ScheduleJSON.billableTotal(schedule),
            "entries": .array(changedEntries.map(ScheduleJSON.headline)),
        ]
        data["created_entries"] = .array(change.createdEntryNumbers.map { .number("\($0)") })
        data["updated_entries"] = .array(change.updatedEntryNumbers.map { .number("\($0)") })
        if let withdrawn = change.refundWithdrawn { data["refund_withdrawn"] = .string(withdrawn.description) }
        return data
    }
}

/// Runs engine code, turning its refusals into dead-letter rejections with the engine's reason code.
func rejecting<T>(_ body: () throws(ScheduleError) -> T) throws(HandlerError) -> T {
    do {
        return try body()
    } catch {
        throw HandlerError.rejected(reason: error.code.rawValue, detail: error.message)
    }
}
