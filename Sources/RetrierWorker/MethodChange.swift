import CoverPayCore
import Fleet

/// A new payment method stops the retries of the old one and starts a fresh budget: every
/// installment in arrears gets its next attempt the next day, with the new method (the collector
/// reads the policy's current method when the attempt arrives; the day between lets the collector,
/// which learns the method on another queue, store it first). R08 and every "never" return code are
/// collected again this way, since the new method carries a new authorization.
struct MethodChange {
    let book: RecoveryBook

    func apply(policyID: String) throws {
        // Installments before the policy: the lock order of every retrier transaction.
        let installments = try book.arrearsInstallments(policyID)
        guard let policy = try book.lockPolicy(policyID), policy.delinquency.stage != .cancelled else { return }
        try book.cancelPendingRetries(policyID, reason: "payment_method_changed")
        for var installment in installments {
            let attempt = try book.highestAttempt(installment) + 1
            installment.budgetStartAttempt = attempt
            let retryOn = book.today.adding(days: 1)
            installment.budgetStartedOn = retryOn
            installment.originalSettlement = nil
            guard try book.scheduleRetry(installment, attempt: attempt, retryOf: "payment_method_updated", on: retryOn,
                                         rule: "payment_method_changed", reason: "payment_method_changed") else { continue }
            try book.update(installment, status: .retrying, stopRule: nil, stopReason: nil)
            RetrierMetrics.retryScheduled(worker: book.context.worker, rule: "payment_method_changed", reason: "payment_method_changed")
            try book.context.emit(type: "coverpay.retry.scheduled", subject: policyID, data: .object([
                "policy_id": .string(policyID), "entry_number": .number("\(installment.entryNumber)"),
                "attempt": .number("\(attempt - 1)"), "next_attempt": .number("\(attempt)"), "retry_on": .string(retryOn.description),
                "rail": .null, "rule": .string("payment_method_changed"), "failure_code": .null,
                "budget_used": .number("0"), "budget_limit": .null, "amount": .string(installment.amount.description),
            ]))
        }
    }
}
