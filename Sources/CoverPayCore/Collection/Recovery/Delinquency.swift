/// A policy's delinquency stage (DESIGN §6), in the order it advances.
public enum DelinquencyStage: String, Sendable, Hashable, CaseIterable, Comparable {
    case current
    case pastDue = "past_due"
    case noticeSent = "notice_sent"
    case cancellationRequested = "cancellation_requested"
    case cancelled

    public static func < (lhs: DelinquencyStage, rhs: DelinquencyStage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Money is owed and the policy is not cancelled yet: a payment cures it.
    public var isCurable: Bool { self == .pastDue || self == .noticeSent || self == .cancellationRequested }
}

/// One policy's delinquency as the retrier stores it.
public struct Delinquency: Sendable, Hashable {
    public var stage: DelinquencyStage
    /// The day retries stopped on an unpaid installment (the grace period counts from here).
    public var pastDueSince: CalendarDate?
    public var noticeRequestedOn: CalendarDate?
    public var earliestCancellationDate: CalendarDate?

    public init(stage: DelinquencyStage = .current, pastDueSince: CalendarDate? = nil, noticeRequestedOn: CalendarDate? = nil,
                earliestCancellationDate: CalendarDate? = nil) {
        self.stage = stage
        self.pastDueSince = pastDueSince
        self.noticeRequestedOn = noticeRequestedOn
        self.earliestCancellationDate = earliestCancellationDate
    }
}

/// A change of stage and the state after it.
public struct DelinquencyTransition: Sendable, Hashable {
    public var from: DelinquencyStage
    public var to: Delinquency
    public var on: CalendarDate
    /// For `notice_sent`: the state rule that set the notice days.
    public var noticeRule: CitedValue<Int>?
}

/// The delinquency state machine: current → past_due (retries stopped on an unpaid installment)
/// → notice_sent (the state's grace period passed unpaid: `notice.requested`, earliest
/// cancellation = notice date + the state's notice days) → cancellation_requested (that date
/// reached unpaid) → cancelled (upstream `policy.cancelled`). Paying the arrears cures it from any
/// stage before cancelled. Pure: the retrier's jobs and handlers apply the transitions.
public enum DelinquencyRules {
    /// Retries stopped on an unpaid installment: a current policy becomes past due; later stages stay.
    public static func retriesStopped(_ delinquency: Delinquency, on date: CalendarDate) -> DelinquencyTransition? {
        guard delinquency.stage == .current else { return nil }
        return DelinquencyTransition(from: .current, to: Delinquency(stage: .pastDue, pastDueSince: date), on: date)
    }

    /// The time-driven step due on `today`, if any.
    public static func advance(_ delinquency: Delinquency, today: CalendarDate, state: String, rules: ComplianceRules) -> DelinquencyTransition? {
        switch delinquency.stage {
        case .pastDue:
            guard let since = delinquency.pastDueSince, since.adding(days: rules.gracePeriodDays(state: state).value) <= today else { return nil }
            let notice = rules.noticeDays(state: state)
            var next = delinquency
            next.stage = .noticeSent
            next.noticeRequestedOn = today
            next.earliestCancellationDate = today.adding(days: notice.value)
            return DelinquencyTransition(from: .pastDue, to: next, on: today, noticeRule: notice)
        case .noticeSent:
            guard let earliest = delinquency.earliestCancellationDate, earliest <= today else { return nil }
            var next = delinquency
            next.stage = .cancellationRequested
            return DelinquencyTransition(from: .noticeSent, to: next, on: today)
        case .current, .cancellationRequested, .cancelled:
            return nil
        }
    }

    /// The arrears were paid: back to current, before cancellation only.
    public static func cure(_ delinquency: Delinquency, on date: CalendarDate) -> DelinquencyTransition? {
        guard delinquency.stage.isCurable else { return nil }
        return DelinquencyTransition(from: delinquency.stage, to: Delinquency(), on: date)
    }

    /// Upstream cancelled the policy.
    public static func cancelled(_ delinquency: Delinquency, on date: CalendarDate) -> DelinquencyTransition? {
        guard delinquency.stage != .cancelled else { return nil }
        var next = delinquency
        next.stage = .cancelled
        return DelinquencyTransition(from: delinquency.stage, to: next, on: date)
    }

    /// Upstream reinstated the policy: its delinquency starts over (arrears, if any, reopen it).
    public static func reinstated(_ delinquency: Delinquency, on date: CalendarDate) -> DelinquencyTransition? {
        guard delinquency.stage == .cancelled else { return nil }
        return DelinquencyTransition(from: .cancelled, to: Delinquency(), on: date)
    }
}
