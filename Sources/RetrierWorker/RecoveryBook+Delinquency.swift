import CoverPayCore
import Fleet

extension RecoveryBook {
    /// Stores a delinquency transition with its history row and publishes what it means upstream:
    /// always `delinquency.changed`; `notice.requested` when the notice is due,
    /// `policy.cancellation_requested` when its earliest cancellation date passed unpaid, and
    /// `delinquency.cured` when a payment brought the policy back to current.
    func apply(_ transition: DelinquencyTransition, to policy: Policy, curedBy: String? = nil) throws {
        let next = transition.to
        let pastDue = try arrears(policy.policyID)
        let episodeAmount = try owedThisEpisode(policy.policyID)
        try database.query(
            """
            UPDATE retrier.policies SET stage = $2, past_due_since = $3::date, notice_requested_on = $4::date,
                earliest_cancellation_date = $5::date, updated_at = now()
            WHERE policy_id = $1
            """,
            [policy.policyID, next.stage.rawValue, next.pastDueSince?.description, next.noticeRequestedOn?.description,
             next.earliestCancellationDate?.description]
        )
        try database.query(
            "INSERT INTO retrier.history (policy_id, from_stage, to_stage, changed_on, past_due_cents) VALUES ($1, $2, $3, $4::date, $5)",
            [policy.policyID, transition.from.rawValue, next.stage.rawValue, transition.on.description, pastDue.cents]
        )
        let common: [String: JSONValue] = ["policy_id": .string(policy.policyID), "past_due_amount": .string(pastDue.description)]
        try context.emit(type: "coverpay.delinquency.changed", subject: policy.policyID, data: .object(common.merging([
            "from": .string(transition.from.rawValue), "to": .string(next.stage.rawValue), "changed_on": .string(transition.on.description),
        ]) { $1 }))
        switch next.stage {
        case .current where transition.from.isCurable:
            try context.emit(type: "coverpay.delinquency.cured", subject: policy.policyID, data: .object([
                "policy_id": .string(policy.policyID), "from": .string(transition.from.rawValue),
                "past_due_amount": .string(episodeAmount.description),
                "cured_on": .string(transition.on.description), "cured_by": .string(curedBy ?? "payment"),
            ]))
        case .noticeSent:
            guard let notice = transition.noticeRule, let requested = next.noticeRequestedOn, let earliest = next.earliestCancellationDate else { return }
            try context.emit(type: "coverpay.notice.requested", subject: policy.policyID, data: .object(common.merging([
                "state": .string(policy.state), "requested_on": .string(requested.description), "notice_days": .number("\(notice.value)"),
                "earliest_cancellation_date": .string(earliest.description), "rule": .string(notice.rule.name),
                "citation": .string(notice.rule.citation),
            ]) { $1 }))
        case .cancellationRequested:
            try context.emit(type: "coverpay.policy.cancellation_requested", subject: policy.policyID, data: .object(common.merging([
                "reason": .string("nonpayment"), "requested_on": .string(transition.on.description),
                "notice_requested_on": next.noticeRequestedOn.map { .string($0.description) } ?? .null,
            ]) { $1 }))
        default:
            break
        }
    }

    /// The most the policy owed since it was last current (a cure publishes it as what was paid).
    private func owedThisEpisode(_ policyID: String) throws -> Money {
        Money(cents: try database.query(
            """
            SELECT coalesce(max(past_due_cents), 0)::bigint AS cents FROM retrier.history
            WHERE policy_id = $1 AND id > coalesce((SELECT max(id) FROM retrier.history WHERE policy_id = $1 AND to_stage = 'current'), 0)
            """,
            [policyID]
        )[0].decode("cents"))
    }

    /// Opens delinquency when retries stopped on an unpaid installment (a no-op past current).
    func retriesStopped(_ policyID: String) throws {
        guard let policy = try lockPolicy(policyID), let transition = DelinquencyRules.retriesStopped(policy.delinquency, on: today) else { return }
        try apply(transition, to: policy)
    }

    /// Cures the policy when nothing is in arrears any more. The policy row is locked before the
    /// arrears are summed: a failure of another installment handled concurrently (it holds the
    /// policy lock until it commits) is then counted, never cured over.
    func cureIfPaid(_ policyID: String, by: String) throws {
        guard let policy = try lockPolicy(policyID), try arrears(policyID) == .zero,
              let transition = DelinquencyRules.cure(policy.delinquency, on: today) else { return }
        try apply(transition, to: policy, curedBy: by)
    }
}
