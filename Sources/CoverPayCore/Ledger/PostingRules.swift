/// The posting rules: pure functions from what an event says (plus what is known of its policy and
/// installment) to balanced journal entries. docs/accounting.md has the table of every rule's lines.
/// Changing what a rule posts means raising `version`: the idempotency key carries it.
public enum PostingRules {
    public static let version = 2

    /// `payment.succeeded`: the money is in the processor's clearing (card) or in transit (ACH) and
    /// is owed onwards: premium net of commission to the carrier, tax to the state; commission and
    /// fees wait in 2070 / 2080 until the payment is final. Anything paid beyond the installment and
    /// the card surcharge is an outstanding return fee (up to `returnFeesDue`; more is refused): it
    /// settles the fee's receivable, whose income already waits in 2080 since the assessment.
    public static func collected(
        split: InstallmentSplit, surcharge: Money, total: Money, rail: PaymentRail, terms: PolicyTerms, returnFeesDue: Money, memo: String
    ) throws(LedgerError) -> (payment: CollectedPayment, entry: JournalEntryDraft) {
        let extra = total - split.total - surcharge
        guard !extra.isNegative, extra <= max(returnFeesDue, .zero) else {
            throw LedgerError(
                .splitMismatch,
                "payment total \(total) is not the installment's \(split.total) (premium \(split.premium), fee \(split.fee), tax \(split.tax)) plus surcharge \(surcharge) plus at most \(returnFeesDue) of return fees due"
            )
        }
        let commission = terms.commissionRate.commission(on: split.premium)
        let payment = CollectedPayment(
            rail: rail, carrierID: terms.carrierID, total: total, carrierNet: split.premium - commission, tax: split.tax,
            commission: commission, fees: split.fee + surcharge, returnFees: extra
        )
        let entry = JournalEntryDraft(rule: "payment_collected", leg: "collected", memo: memo, lines: [
            .debit(rail.clearingAccount, total),
            .credit(LedgerAccount.carrierPayable(terms.carrierID), payment.carrierNet),
            .credit(LedgerAccount.premiumTaxPayable, payment.tax),
            .credit(LedgerAccount.commissionPending, payment.commission),
            .credit(LedgerAccount.feesPending, payment.fees),
            .credit(LedgerAccount.returnFeesReceivable, payment.returnFees),
        ])
        return (payment, try balanced(entry))
    }

    /// `payment.settled` (final): the net lands in premium trust cash, the processor's fee is an
    /// expense that operating cash makes good to the trust account (trust money never pays the
    /// agency's costs), and only now are commission and fees recognised as income.
    public static func settled(_ payment: CollectedPayment, net: Money, processorFee: Money, memo: String) throws(LedgerError) -> [JournalEntryDraft] {
        guard net + processorFee == payment.total else {
            throw LedgerError(.settlementMismatch, "settled net \(net) plus processor fee \(processorFee) is not the collected total \(payment.total)")
        }
        let entries = [
            JournalEntryDraft(rule: "payment_settled", leg: "settled", memo: memo, lines: [
                .debit(LedgerAccount.trustCash, net), .debit(LedgerAccount.processorFees, processorFee),
                .credit(payment.rail.clearingAccount, payment.total),
            ]),
            JournalEntryDraft(rule: "payment_settled", leg: "fee_cover", memo: "\(memo): operating cash covers the processor fee", lines: [
                .debit(LedgerAccount.trustCash, processorFee), .credit(LedgerAccount.operatingCash, processorFee),
            ]),
            JournalEntryDraft(rule: "payment_settled", leg: "recognised", memo: "\(memo): commission and fees earned", lines: [
                .debit(LedgerAccount.commissionPending, payment.commission), .credit(LedgerAccount.commissionIncome, payment.commission),
                .debit(LedgerAccount.feesPending, payment.fees + payment.returnFees), .credit(LedgerAccount.installmentFeeIncome, payment.fees),
                .credit(LedgerAccount.returnFeeIncome, payment.returnFees),
            ]),
        ]
        return try entries.filter { !$0.isEmpty }.map { (entry) throws(LedgerError) in try balanced(entry) }
    }

    /// `payment.returned` (late ACH return or chargeback): every entry still standing for the
    /// payment is reversed line for line, so the books are exactly as if it had never been collected.
    public static func returned(_ standing: [PostedEntry], memo: String) -> [JournalEntryDraft] {
        standing.map { $0.reversal(rule: "payment_returned", memo: "\(memo): reverses entry \($0.entryID)") }
    }

    /// `payment.received` (check, lockbox, agent sweep): cash is in the trust account and waits in
    /// unapplied cash until the scheduler applies it to installments (`applied`).
    /// A zero or negative amount is refused (as the scheduler refuses it): booked, it would take
    /// cash out of the trust account that was never in it.
    public static func received(_ amount: Money, memo: String) throws(LedgerError) -> JournalEntryDraft {
        guard amount > .zero else { throw LedgerError(.invalidField, "data.amount \(amount) of a received payment must be positive") }
        return try balanced(JournalEntryDraft(rule: "payment_received", leg: "received", memo: memo, lines: [
            .debit(LedgerAccount.trustCash, amount), .credit(LedgerAccount.unappliedCash, amount),
        ]))
    }

    /// Unapplied cash applied to an installment (`payment.applied`): it is already trust cash, so the
    /// installment's commission and fees are earned at once.
    public static func applied(split: InstallmentSplit, terms: PolicyTerms, memo: String) throws(LedgerError) -> JournalEntryDraft {
        let commission = terms.commissionRate.commission(on: split.premium)
        return try balanced(JournalEntryDraft(rule: "cash_applied", leg: "applied", memo: memo, lines: [
            .debit(LedgerAccount.unappliedCash, split.total),
            .credit(LedgerAccount.carrierPayable(terms.carrierID), split.premium - commission),
            .credit(LedgerAccount.premiumTaxPayable, split.tax),
            .credit(LedgerAccount.commissionIncome, commission),
            .credit(LedgerAccount.installmentFeeIncome, split.fee),
        ]))
    }

    /// Money collected for an installment that is no longer Valid (`payment.unapplied`): what the
    /// collection put in payables, pending or income for it moves to unapplied cash on the policy.
    public static func unapplied(_ payment: CollectedPayment, recognised: Bool, memo: String) throws(LedgerError) -> JournalEntryDraft {
        let held = payment.carrierNet + payment.tax + payment.commission + payment.fees + payment.returnFees
        return try balanced(JournalEntryDraft(rule: "payment_unapplied", leg: "unapplied", memo: memo, lines: [
            .debit(LedgerAccount.carrierPayable(payment.carrierID), payment.carrierNet),
            .debit(LedgerAccount.premiumTaxPayable, payment.tax),
            .debit(recognised ? LedgerAccount.commissionIncome : LedgerAccount.commissionPending, payment.commission),
            .debit(recognised ? LedgerAccount.installmentFeeIncome : LedgerAccount.feesPending, payment.fees),
            .debit(recognised ? LedgerAccount.returnFeeIncome : LedgerAccount.feesPending, payment.returnFees),
            .credit(LedgerAccount.unappliedCash, held),
        ]))
    }

    /// `fee.assessed`: the insured owes a return fee (1040). It is income only once a payment brings
    /// it in and that payment is final, so until then it waits in fees pending (2080).
    public static func feeAssessed(_ amount: Money, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: "fee_assessed", leg: "assessed", memo: memo, lines: [
            .debit(LedgerAccount.returnFeesReceivable, amount), .credit(LedgerAccount.feesPending, amount),
        ]))
    }

    /// Why an assessed return fee will not be collected.
    public enum FeeRelease: String, Sendable {
        /// `fee.waived`: an operator forgave it.
        case waived = "fee_waived"
        /// `installment.written_off`: its installment was written off, and the fee with it.
        case writtenOff = "fee_written_off"
    }

    /// An assessed, unpaid return fee released: the assessment's lines the other way round; nothing
    /// was earned, so no income moves. One event can release several fees: the leg names the fee.
    public static func feeReleased(_ amount: Money, feeID: String, _ release: FeeRelease, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: release.rawValue, leg: "released:\(feeID)", memo: memo, lines: [
            .debit(LedgerAccount.feesPending, amount), .credit(LedgerAccount.returnFeesReceivable, amount),
        ]))
    }

    /// Where a refund owed to the insured comes from.
    public enum RefundSource: Sendable, Hashable {
        /// Unearned premium of a cancellation: the carrier gives it back through what it is owed.
        case carrier(String)
        /// Unapplied cash of a cancelled policy.
        case unappliedCash
    }

    /// `refund.requested`: the amount is owed to the insured (2090, a fiduciary liability).
    public static func refundOwed(_ amount: Money, from source: RefundSource, memo: String) throws(LedgerError) -> JournalEntryDraft {
        let debited = switch source {
        case .carrier(let carrierID): LedgerAccount.carrierPayable(carrierID)
        case .unappliedCash: LedgerAccount.unappliedCash
        }
        return try balanced(JournalEntryDraft(rule: "refund_owed", leg: "refund_owed", memo: memo, lines: [
            .debit(debited, amount), .credit(LedgerAccount.refundsPayable, amount),
        ]))
    }

    /// A refund paid out of the trust account.
    public static func refundPaid(_ amount: Money, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: "refund_paid", leg: "refund_paid", memo: memo, lines: [
            .debit(LedgerAccount.refundsPayable, amount), .credit(LedgerAccount.trustCash, amount),
        ]))
    }

    /// `coverpay ledger remit`: the carrier is paid what it is owed, out of the trust account.
    public static func remittance(carrierID: String, amount: Money, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: "carrier_remittance", leg: "remit", memo: memo, lines: [
            .debit(LedgerAccount.carrierPayable(carrierID), amount), .credit(LedgerAccount.trustCash, amount),
        ]))
    }

    /// `coverpay ledger sweep-commission` (and the sweep-back after a return): earned income moves
    /// from the trust account to operating cash; a negative amount moves it back.
    public static func sweep(_ amount: Money, leg: String, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: "commission_sweep", leg: leg, memo: memo, lines: [
            .debit(LedgerAccount.operatingCash, amount), .credit(LedgerAccount.trustCash, amount),
        ]))
    }

    /// After a return takes back a payment whose money had become unapplied cash and was already
    /// refunded or applied, the policy's unapplied cash is overdrawn (the insured owes it again) and
    /// the trust account is short by as much: the agency advances it from operating cash at once.
    public static func trustCover(_ amount: Money, memo: String) throws(LedgerError) -> JournalEntryDraft {
        try balanced(JournalEntryDraft(rule: "trust_cover", leg: "trust_cover", memo: memo, lines: [
            .debit(LedgerAccount.trustCash, amount), .credit(LedgerAccount.operatingCash, amount),
        ]))
    }

    /// Refuses an entry that does not balance: a rule bug must never reach the journal (where the
    /// database would refuse it too, at commit).
    public static func balanced(_ entry: JournalEntryDraft) throws(LedgerError) -> JournalEntryDraft {
        guard entry.isBalanced else {
            throw LedgerError(.unbalancedRule, "rule \(entry.rule) leg \(entry.leg) is unbalanced: debits \(entry.totalDebit), credits \(entry.totalCredit), \(entry.lines.count) lines")
        }
        return entry
    }
}
