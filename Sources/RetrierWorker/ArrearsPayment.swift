import CoverPayCore
import Fleet

/// Money that pays an installment: a successful attempt (`payment.succeeded`) or money received
/// outside the rails (`payment.received`, upstream or `coverpay recovery record-payment`). The paid
/// installment's pending retries are cancelled in the same transaction, and the policy is cured
/// once nothing is in arrears.
struct ArrearsPayment {
    let book: RecoveryBook

    func entryPaid(policyID: String, entryNumber: Int, by payer: String) throws {
        guard let installment = try book.lockInstallment(policyID, entryNumber) else {
            // As for a failure (FailureRecovery): the success can overtake its installment.due on the
            // other consumer thread. Dropped, the installment would later count as unpaid and be
            // dunned; retried through the delay queues, it finds the installment.
            throw HandlerError.transient(
                "unknown installment: payment.succeeded (\(payer)) for entry \(entryNumber) of policy '\(policyID)', never announced by coverpay.installment.due"
            )
        }
        guard installment.status != .paid else { return }
        try markPaid(installment)
        try book.cureIfPaid(policyID, by: payer)
    }

    /// Applies the amount to the installments in arrears, oldest first (or to the one named), each
    /// only when fully covered; what is left is the scheduler's unapplied cash, not the retrier's.
    func received(policyID: String, amount: Money, entryNumber: Int?, reference: String) throws {
        var remaining = amount
        for installment in try book.arrearsInstallments(policyID) where entryNumber == nil || installment.entryNumber == entryNumber {
            guard installment.amount <= remaining else { break }
            remaining = remaining - installment.amount
            try markPaid(installment)
        }
        try book.cureIfPaid(policyID, by: "received \(reference)")
    }

    private func markPaid(_ installment: RecoveryBook.Installment) throws {
        try book.update(installment, status: .paid)
        let cancelled = try book.cancelPendingRetries(installment.policyID, entryNumber: installment.entryNumber, reason: "paid")
        if cancelled > 0 {
            book.context.logger.info("retries cancelled: installment paid", metadata: [
                "policy_id": "\(installment.policyID)", "entry_number": "\(installment.entryNumber)", "cancelled": "\(cancelled)",
            ])
        }
    }
}
