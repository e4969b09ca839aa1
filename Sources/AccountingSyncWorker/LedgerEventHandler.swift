import CoverPayCore
import Fleet
import Postgres

/// Turns money events into journal entries (PostingRules) and keeps the copies the rules need:
/// policies (carrier, commission rate), installment splits, what each payment posted, return fees.
/// Every posted entry is announced with `ledger.posted`.
struct LedgerEventHandler: EventHandler {
    var queue: QueueDefinition { AccountingSyncWorker.queue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        let data = try LedgerRejection.rejecting { try LedgerEventFields(event) }
        let policyID = try field { try data.string("policy_id") }
        if let subject = event.subject, subject != policyID {
            throw HandlerError.rejected(reason: "policy_mismatch", detail: "data.policy_id '\(policyID)' differs from the event subject '\(subject)'")
        }
        let posting = Posting(event: event, data: data, policyID: policyID, context: context)
        switch event.type {
        case "coverpay.policy.issued": try posting.recordPolicy()
        case "coverpay.installment.due": try posting.recordInstallment()
        case "coverpay.payment.succeeded": try posting.collected()
        case "coverpay.payment.settled": try posting.settled()
        case "coverpay.payment.returned": try posting.returned()
        case "coverpay.payment.received": try posting.received()
        case "coverpay.payment.applied": try posting.applied()
        case "coverpay.payment.unapplied": try posting.unapplied()
        case "coverpay.refund.requested": try posting.refundOwed()
        case "coverpay.fee.assessed": try posting.feeAssessed()
        case "coverpay.fee.waived": try posting.feeWaived()
        case "coverpay.installment.written_off": try posting.writtenOff()
        default: throw HandlerError.rejected(reason: "unknown_event_type", detail: "accounting-sync does not post '\(event.type)'")
        }
    }
}

/// Reads a field, its refusal becoming a dead-letter rejection.
func field<T>(_ body: () throws -> T) throws -> T {
    try LedgerRejection.rejecting(body)
}

/// One event being posted.
private struct Posting {
    let event: CloudEvent
    let data: LedgerEventFields
    let policyID: String
    let context: HandlerContext

    var database: PostgresConnection { context.database }

    func recordPolicy() throws {
        let rate = try field { try data.string("commission_rate") }
        _ = try field { try CommissionRate(parsing: rate) }
        try database.query(
            """
            INSERT INTO accounting.policies (policy_id, policy_number, carrier_id, agency_id, commission_rate, state)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (policy_id) DO UPDATE SET policy_number = EXCLUDED.policy_number, carrier_id = EXCLUDED.carrier_id,
                agency_id = EXCLUDED.agency_id, commission_rate = EXCLUDED.commission_rate, state = EXCLUDED.state, updated_at = now()
            """,
            [policyID, try field { try data.optionalString("policy_number") }, try field { try data.string("carrier_id") },
             try field { try data.optionalString("agency_id") }, rate, try field { try data.optionalString("state") }]
        )
    }

    /// The split of the entry as it was when due (a retry's `installment.due` repeats it; the latest wins).
    func recordInstallment() throws {
        _ = try AccountingStore.terms(policyID, retryIfUnknown: true, database)
        let entryNumber = try field { try data.integer("entry_number") }
        let split = InstallmentSplit(
            premium: try field { try data.moneyOrZero("premium") }, fee: try field { try data.moneyOrZero("fee") }, tax: try field { try data.moneyOrZero("tax") }
        )
        let amount = try field { try data.money("amount") }
        guard split.total == amount else {
            throw HandlerError.rejected(reason: "split_mismatch", detail: "premium \(split.premium) + fee \(split.fee) + tax \(split.tax) is not the amount \(amount)")
        }
        try database.query(
            """
            INSERT INTO accounting.installments (policy_id, entry_number, premium_cents, fee_cents, tax_cents) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (policy_id, entry_number) DO UPDATE SET premium_cents = EXCLUDED.premium_cents, fee_cents = EXCLUDED.fee_cents, tax_cents = EXCLUDED.tax_cents
            """,
            [policyID, entryNumber, split.premium.cents, split.fee.cents, split.tax.cents]
        )
    }

    func collected() throws {
        let terms = try AccountingStore.terms(policyID, database)
        let paymentID = try field { try data.string("payment_id") }
        let entryNumber = try field { try data.integer("entry_number") }
        if try AccountingStore.lockPayment(paymentID, database) != nil {
            return context.logger.info("payment already collected in the ledger; nothing to post", metadata: ["payment_id": "\(paymentID)"])
        }
        guard let split = try AccountingStore.split(policyID, entryNumber, database) else {
            // Reordered: the installment's split has not arrived yet; the retry will find it.
            throw HandlerError.transient("installment \(entryNumber) of policy \(policyID) is not known to accounting-sync yet")
        }
        let railName = try field { try data.string("rail") }
        guard let rail = PaymentRail(rawValue: railName) else {
            throw HandlerError.rejected(reason: "invalid_field", detail: "data.rail '\(railName)' is not card or ach")
        }
        let feesDue = try AccountingStore.returnFeesDue(policyID, entryNumber, database)
        let total = try field { try data.money("total") }, surcharge = try field { try data.moneyOrZero("fee") }
        let (payment, entry) = try field { () throws(LedgerError) in
            try PostingRules.collected(
                split: split, surcharge: surcharge, total: total, rail: rail, terms: terms,
                returnFeesDue: feesDue.reduce(Money.zero) { $0 + $1.amount }, memo: "payment \(paymentID) collected for entry \(entryNumber) (\(railName))"
            )
        }
        let postedOn = try dateField("succeeded_on")
        try AccountingStore.insertPayment(paymentID, policyID: policyID, entryNumber: entryNumber, collectedOn: postedOn, payment, database)
        try markReturnFeesCollected(feesDue, upTo: payment.returnFees, paymentID: paymentID)
        try post([entry], paymentID: paymentID, entryNumber: entryNumber, carrierID: terms.carrierID, postedOn: postedOn)
    }

    func settled() throws {
        let paymentID = try field { try data.string("payment_id") }
        guard let stored = try AccountingStore.lockPayment(paymentID, database) else {
            throw HandlerError.transient("payment \(paymentID) is settled but its collection has not been posted yet")
        }
        guard stored.status == "collected" else {
            return context.logger.info("payment already \(stored.status); settlement not posted", metadata: ["payment_id": "\(paymentID)"])
        }
        var recognisable = stored.posted
        if stored.unapplied {
            // Its commission and fees became unapplied cash: nothing is left pending to recognise.
            (recognisable.commission, recognisable.fees, recognisable.returnFees) = (Money.zero, Money.zero, Money.zero)
        }
        let net = try field { try data.money("net") }, processorFee = try field { try data.moneyOrZero("processor_fee") }
        let entries = try field { () throws(LedgerError) in
            try PostingRules.settled(recognisable, net: net, processorFee: processorFee, memo: "payment \(paymentID) settled")
        }
        let postedOn = try dateField("settled_on")
        try database.query("UPDATE accounting.payments SET status = 'settled', settled_on = $2::date WHERE payment_id = $1", [paymentID, postedOn])
        try post(entries, paymentID: paymentID, entryNumber: stored.entryNumber, carrierID: stored.posted.carrierID, postedOn: postedOn)
    }

    func returned() throws {
        let paymentID = try field { try data.string("payment_id") }
        guard let stored = try AccountingStore.lockPayment(paymentID, database) else {
            if data.bool("late") {
                throw HandlerError.transient("payment \(paymentID) was returned late but its collection has not been posted yet")
            }
            return context.logger.info("returned before it was collected: nothing was posted, nothing to reverse", metadata: ["payment_id": "\(paymentID)"])
        }
        guard stored.status != "returned" else {
            return context.logger.info("payment already reversed", metadata: ["payment_id": "\(paymentID)"])
        }
        let code = (try? data.string("failure_code")) ?? "returned"
        let reversals = PostingRules.returned(try Journal.standingEntries(paymentID: paymentID, database), memo: "payment \(paymentID) \(code)")
        let postedOn = try dateField("returned_on")
        try database.query("UPDATE accounting.payments SET status = 'returned' WHERE payment_id = $1", [paymentID])
        try database.query(
            "UPDATE accounting.return_fees SET status = 'assessed', payment_id = NULL WHERE payment_id = $1 AND status = 'collected'", [paymentID]
        )
        let origin = self.source(paymentID: paymentID, entryNumber: stored.entryNumber, carrierID: stored.posted.carrierID, postedOn: postedOn)
        try announce(
            try Journal.post(reversals, source: origin, database) + TrustFunds.sweepBackIfNeeded(origin, database)
                + TrustFunds.coverOverdrawnUnappliedCash(origin, database),
            postedOn: postedOn
        )
    }

    func received() throws {
        _ = try AccountingStore.terms(policyID, database)
        let amount = try field { try data.money("amount") }
        let reference = try field { try data.optionalString("reference") } ?? "-"
        let entry = try field { try PostingRules.received(amount, memo: "external payment \(reference) received, unapplied") }
        try post([entry], paymentID: nil, entryNumber: nil, carrierID: nil, postedOn: try dateField("received_on"))
    }

    func applied() throws {
        let terms = try AccountingStore.terms(policyID, database)
        let entryNumber = try field { try data.integer("entry_number") }
        let split = InstallmentSplit(
            premium: try field { try data.money("premium") }, fee: try field { try data.money("fee") }, tax: try field { try data.money("tax") }
        )
        let entry = try field { () throws(LedgerError) in
            try PostingRules.applied(split: split, terms: terms, memo: "unapplied cash applied to entry \(entryNumber)")
        }
        try post([entry], paymentID: nil, entryNumber: entryNumber, carrierID: terms.carrierID, postedOn: try dateField("applied_on"))
    }

    func unapplied() throws {
        let paymentID = try field { try data.string("payment_id") }
        guard let stored = try AccountingStore.lockPayment(paymentID, database) else {
            throw HandlerError.transient("payment \(paymentID) became unapplied cash but its collection has not been posted yet")
        }
        guard stored.status != "returned", !stored.unapplied else {
            return context.logger.info("payment already \(stored.unapplied ? "unapplied" : stored.status); nothing to move", metadata: ["payment_id": "\(paymentID)"])
        }
        let entry = try field { () throws(LedgerError) in
            try PostingRules.unapplied(stored.posted, recognised: stored.status == "settled", memo: "payment \(paymentID) for entry \(stored.entryNumber) is unapplied cash")
        }
        try database.query("UPDATE accounting.payments SET unapplied = true WHERE payment_id = $1", [paymentID])
        let postedOn = try dateField("unapplied_on")
        let origin = self.source(paymentID: paymentID, entryNumber: stored.entryNumber, carrierID: stored.posted.carrierID, postedOn: postedOn)
        // Income it had earned may already be swept: operating cash pays that back (as after a return).
        try announce(try Journal.post([entry], source: origin, database) + TrustFunds.sweepBackIfNeeded(origin, database), postedOn: postedOn)
    }

    func refundOwed() throws {
        let terms = try AccountingStore.terms(policyID, database)
        let amount = try field { try data.money("amount") }
        let reason = try field { try data.optionalString("reason") } ?? "refund"
        // The scheduler states the amount as the (negative) entry total or as a positive amount owed.
        let refundSource: PostingRules.RefundSource = reason == "unapplied_cash" ? .unappliedCash : .carrier(terms.carrierID)
        let entry = try field { () throws(LedgerError) in
            try PostingRules.refundOwed(amount.isNegative ? -amount : amount, from: refundSource, memo: "refund owed to the insured (\(reason))")
        }
        try post([entry], paymentID: nil, entryNumber: try field { try data.optionalInteger("entry_number") }, carrierID: terms.carrierID, postedOn: try context.businessDate())
    }

    /// `fee.assessed`: the insured owes the fee (1040), its income waits in 2080 until a payment
    /// brings it in and is final. A waiver that overtook its assessment left the row `waived`, and a
    /// write-off of its entry that overtook it leaves it `written_off`: then neither posts anything.
    func feeAssessed() throws {
        let feeID = try field { try data.string("fee_id") }
        let amount = try field { try data.money("amount") }
        let entryNumber = try field { try data.optionalInteger("entry_number") }
        try AccountingStore.lockEntry(policyID, entryNumber, database)
        let status = try AccountingStore.isWrittenOff(policyID, entryNumber, database) ? "written_off" : "assessed"
        let inserted = try database.query(
            """
            INSERT INTO accounting.return_fees (fee_id, policy_id, entry_number, amount_cents, status) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (fee_id) DO NOTHING RETURNING fee_id
            """,
            [feeID, policyID, entryNumber, amount.cents, status]
        )
        guard !inserted.isEmpty, status == "assessed" else {
            return context.logger.info("return fee already known or its entry written off; nothing to post", metadata: ["fee_id": "\(feeID)"])
        }
        let code = try field { try data.optionalString("code") } ?? "return"
        let entry = try field { try PostingRules.feeAssessed(amount, memo: "return fee \(feeID) assessed after \(code)") }
        try post([entry], paymentID: nil, entryNumber: entryNumber, carrierID: nil, postedOn: try dateField("assessed_on"))
    }

    /// `fee.waived`: an assessed, unpaid fee is released by exactly its assessed amount. A fee already
    /// collected is not (the money was paid; a refund is another matter). A waiver that arrives before
    /// its assessment is kept as `waived`, so the assessment posts nothing.
    func feeWaived() throws {
        let feeID = try field { try data.string("fee_id") }
        guard let stored = try database.query("SELECT status, amount_cents FROM accounting.return_fees WHERE fee_id = $1 FOR UPDATE", [feeID]).first else {
            let kept = try database.query(
                """
                INSERT INTO accounting.return_fees (fee_id, policy_id, entry_number, amount_cents, status) VALUES ($1, $2, $3, $4, 'waived')
                ON CONFLICT (fee_id) DO NOTHING RETURNING fee_id
                """,
                [feeID, policyID, try field { try data.optionalInteger("entry_number") }, try field { try data.money("amount") }.cents]
            )
            // Another replica committed the assessment meanwhile: the retry finds it and releases it.
            if kept.isEmpty { throw HandlerError.transient("return fee \(feeID) was assessed concurrently") }
            return
        }
        let status: String = try stored.decode("status")
        guard status == "assessed" else {
            return context.logger.info("return fee is \(status); nothing to release", metadata: ["fee_id": "\(feeID)"])
        }
        try database.query("UPDATE accounting.return_fees SET status = 'waived' WHERE fee_id = $1", [feeID])
        let entryNumber = try field { try data.optionalInteger("entry_number") }
        try release([(feeID, Money(cents: try stored.decode("amount_cents")))], .waived, entryNumber: entryNumber, postedOn: try dateField("waived_on"))
    }

    /// Nothing was posted for an installment until it was collected (premium is owed to the carrier
    /// only once paid), so the write-off itself posts nothing; the entry's assessed, unpaid return fees
    /// are written off with it.
    func writtenOff() throws {
        let entryNumber = try field { try data.integer("entry_number") }
        try AccountingStore.lockEntry(policyID, entryNumber, database)
        try database.query("UPDATE accounting.installments SET written_off = true WHERE policy_id = $1 AND entry_number = $2", [policyID, entryNumber])
        let fees = try AccountingStore.returnFeesDue(policyID, entryNumber, database)
        try database.query(
            "UPDATE accounting.return_fees SET status = 'written_off' WHERE policy_id = $1 AND entry_number = $2 AND status = 'assessed'", [policyID, entryNumber]
        )
        try release(fees, .writtenOff, entryNumber: entryNumber, postedOn: try dateField("written_off_on"))
    }

    private func release(_ fees: [(feeID: String, amount: Money)], _ reason: PostingRules.FeeRelease, entryNumber: Int?, postedOn: String) throws {
        let entries = try fees.map { fee in
            try field { () throws(LedgerError) in
                try PostingRules.feeReleased(fee.amount, feeID: fee.feeID, reason, memo: "return fee \(fee.feeID) \(reason == .waived ? "waived" : "written off")")
            }
        }
        try post(entries, paymentID: nil, entryNumber: entryNumber, carrierID: nil, postedOn: postedOn)
    }

    private func markReturnFeesCollected(_ due: [(feeID: String, amount: Money)], upTo collected: Money, paymentID: String) throws {
        var left = collected
        for fee in due where fee.amount <= left {
            left -= fee.amount
            try database.query("UPDATE accounting.return_fees SET status = 'collected', payment_id = $2 WHERE fee_id = $1", [fee.feeID, paymentID])
        }
    }

    /// A date field of the event, or today's business date when the producer left it out.
    private func dateField(_ name: String) throws -> String {
        if try field({ try data.optionalString(name) }) != nil { return try field { try data.date(name) }.description }
        return try context.businessDate()
    }

    private func source(paymentID: String?, entryNumber: Int?, carrierID: String?, postedOn: String) -> PostingSource {
        PostingSource(eventID: event.id, eventType: event.type, policyID: policyID, entryNumber: entryNumber, paymentID: paymentID, carrierID: carrierID, postedOn: postedOn)
    }

    private func post(_ drafts: [JournalEntryDraft], paymentID: String?, entryNumber: Int?, carrierID: String?, postedOn: String) throws {
        let origin = self.source(paymentID: paymentID, entryNumber: entryNumber, carrierID: carrierID, postedOn: postedOn)
        try announce(try Journal.post(drafts, source: origin, database), postedOn: postedOn)
    }

    private func announce(_ posted: [(entryID: Int64, draft: JournalEntryDraft)], postedOn: String) throws {
        for (entryID, draft) in posted {
            try context.emit(type: "coverpay.ledger.posted", subject: policyID, data: .object([
                "policy_id": .string(policyID), "entry_id": .number("\(entryID)"), "event_id": .string(event.id),
                "rule": .string(draft.rule), "leg": .string(draft.leg), "posted_on": .string(postedOn),
                "total": .string(draft.totalDebit.description),
                "reverses_entry_id": draft.reversesEntryID.map { .number("\($0)") } ?? .null,
            ]))
        }
    }
}
