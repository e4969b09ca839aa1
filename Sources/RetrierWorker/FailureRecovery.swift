import CoverPayCore
import Fleet

/// Decides what follows one failed or returned attempt. Exactly one retry per installment and
/// attempt, whatever duplicates, redeliveries or replicas do:
/// 1. the installment row is locked (`FOR UPDATE`), so two deliveries of failures of the same
///    installment — on two replicas — run one after the other;
/// 2. the failure is recorded under its payment id (`ON CONFLICT DO NOTHING`): a second copy of
///    the same failure, under any message id, stops here;
/// 3. a failure of an attempt older than the installment's latest (reordered), or of an
///    installment already paid, written off or invalid, is recorded and changes nothing;
/// 4. the retry is inserted under (policy, entry, attempt + 1), the table's primary key; the
///    `DueRetryJob` publishes it on its date.
/// All of it commits with the inbox record and the outbox events, or none of it does.
struct FailureRecovery {
    let book: RecoveryBook

    func handle(_ failure: PaymentFailure) throws {
        guard var installment = try book.lockInstallment(failure.policyID, failure.entryNumber) else {
            // Consumer threads can take the failure before the installment.due published ahead of
            // it commits: retried through the delay queues, dead-lettered (retries_exhausted, with
            // this detail) when the installment never comes.
            throw HandlerError.transient(
                "unknown installment: \(failure.eventType) for payment \(failure.paymentID): entry \(failure.entryNumber) of policy '\(failure.policyID)' was never announced by coverpay.installment.due"
            )
        }
        guard let policy = try book.lockPolicy(failure.policyID) else { return }
        let ignored: String? = switch installment.status {
        // A return (late ACH return, chargeback) reverses the payment that had paid the entry.
        case .paid where failure.eventType == "coverpay.payment.returned": nil
        case let status where status.isClosed: "the installment is \(status.rawValue)"
        case _ where failure.attempt < installment.lastAttempt: "attempt \(failure.attempt) is older than attempt \(installment.lastAttempt)"
        case _ where failure.attempt < installment.budgetStartAttempt: "attempt \(failure.attempt) used a payment method replaced since"
        default: nil
        }
        if let ignored {
            _ = try book.recordFailure(failure, decision: .object(["outcome": .string("ignored"), "reason": .string(ignored)]))
            return book.context.logger.info("failure ignored", metadata: ["payment_id": "\(failure.paymentID)", "reason": "\(ignored)"])
        }
        if case .achReturn = failure.classification, installment.originalSettlement == nil {
            installment.originalSettlement = failure.settledOn ?? installment.scheduleDate
        }
        let state = RetryState(
            failedAttempt: failure.attempt, rail: failure.rail ?? .card, budgetStartAttempt: installment.budgetStartAttempt,
            budgetStartedOn: installment.budgetStartedOn, originalSettlement: installment.originalSettlement, failedOn: book.today
        )
        // A cancelled policy is never retried nor made delinquent; what it still owes (the earned
        // premium of its cancellation entry) waits in `recovery list` for an operator.
        let plan = policy.delinquency.stage == .cancelled
            ? .stop(rule: "policy_cancelled", reason: "the policy is cancelled: no retry; an operator collects or writes off what is owed")
            : RetryPlanner.plan(failure.classification, state)
        guard try book.recordFailure(failure, decision: Self.json(plan)) else {
            return book.context.logger.info("failure already handled", metadata: ["payment_id": "\(failure.paymentID)"])
        }
        switch plan {
        case .retry(let nextAttempt, let on, let rule, let used, let limit):
            guard try book.scheduleRetry(installment, attempt: nextAttempt, retryOf: failure.paymentID, on: on, rule: rule, reason: failure.failureCode) else { return }
            try book.update(installment, status: .retrying, lastAttempt: failure.attempt, paymentID: failure.paymentID, failureCode: failure.failureCode)
            RetrierMetrics.retryScheduled(worker: book.context.worker, rule: rule, reason: failure.failureCode)
            try book.context.emit(type: "coverpay.retry.scheduled", subject: failure.policyID, data: .object([
                "policy_id": .string(failure.policyID), "entry_number": .number("\(failure.entryNumber)"), "payment_id": .string(failure.paymentID),
                "attempt": .number("\(failure.attempt)"), "next_attempt": .number("\(nextAttempt)"), "retry_on": .string(on.description),
                "rail": .string(state.rail.rawValue), "rule": .string(rule), "failure_code": .string(failure.failureCode),
                "budget_used": .number("\(used)"), "budget_limit": .number("\(limit)"), "amount": .string(installment.amount.description),
            ]))
        case .stop(let rule, let reason):
            try book.update(installment, status: .stopped, lastAttempt: failure.attempt, paymentID: failure.paymentID, failureCode: failure.failureCode,
                            stopRule: rule, stopReason: reason)
            RetrierMetrics.retriesStopped(worker: book.context.worker, rule: rule)
            if policy.delinquency.stage != .cancelled { try book.retriesStopped(failure.policyID) }
        }
        if case .achReturn(let code) = failure.classification {
            try ReturnFees(book: book).assess(policy: policy, failure: failure, code: code)
        }
    }

    static func json(_ plan: RetryPlan) -> JSONValue {
        switch plan {
        case .retry(let attempt, let on, let rule, let used, let limit):
            .object(["outcome": .string("retry"), "next_attempt": .number("\(attempt)"), "retry_on": .string(on.description),
                     "rule": .string(rule), "budget_used": .number("\(used)"), "budget_limit": .number("\(limit)")])
        case .stop(let rule, let reason):
            .object(["outcome": .string("stop"), "rule": .string(rule), "reason": .string(reason)])
        }
    }
}
