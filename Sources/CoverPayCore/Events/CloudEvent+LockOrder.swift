extension Sequence {
    /// The elements ordered by the policy of their event, each policy's events kept in their
    /// original order (events without a policy first).
    ///
    /// A consumer applies a batch of events in one transaction, locking each event's policy until
    /// the commit. Two consumers taking the same policies in different orders deadlock, and
    /// PostgreSQL aborts one of them; taken in this one global order, those locks cannot deadlock,
    /// and the per-policy order that schedules depend on is unchanged.
    public func inPolicyLockOrder(_ event: (Element) -> CloudEvent) -> [Element] {
        enumerated()
            .map { (policy: event($0.element).policyID ?? "", position: $0.offset, element: $0.element) }
            .sorted { ($0.policy, $0.position) < ($1.policy, $1.position) }
            .map(\.element)
    }
}
