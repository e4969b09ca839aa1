import CoverPayCore
import Fleet

/// Upstream's cancellation ends delinquency (and every pending retry); a reinstatement reopens the
/// policy as current, its arrears opening delinquency again at their next failure.
struct PolicyStatusChange {
    let book: RecoveryBook

    func cancelled(policyID: String) throws {
        _ = try book.arrearsInstallments(policyID) // installments before the policy: the retrier's lock order
        guard let policy = try ensurePolicy(policyID) else { return }
        try book.cancelPendingRetries(policyID, reason: "policy_cancelled")
        try book.database.query(
            "UPDATE retrier.installments SET status = 'stopped', stop_rule = 'policy_cancelled', stop_reason = 'the policy is cancelled' WHERE policy_id = $1 AND status = 'retrying'",
            [policyID]
        )
        guard let transition = DelinquencyRules.cancelled(policy.delinquency, on: book.today) else { return }
        try book.apply(transition, to: policy)
    }

    func reinstated(policyID: String) throws {
        guard let policy = try ensurePolicy(policyID), let transition = DelinquencyRules.reinstated(policy.delinquency, on: book.today) else { return }
        try book.apply(transition, to: policy)
    }

    /// A policy never billed yet is known from here on (its later installments find it cancelled).
    private func ensurePolicy(_ policyID: String) throws -> RecoveryBook.Policy? {
        try book.database.query("INSERT INTO retrier.policies (policy_id) VALUES ($1) ON CONFLICT DO NOTHING", [policyID])
        return try book.lockPolicy(policyID)
    }
}
