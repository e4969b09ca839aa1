/// Where an installment stands when one of its attempts failed: the input of `RetryPlanner`.
/// The budget is per installment and shared by both rails; a payment-method change starts a new
/// one (`budgetStartAttempt` is then the first attempt made with the new method).
public struct RetryState: Sendable, Hashable {
    /// The attempt that failed (1 = the scheduler's first presentment).
    public var failedAttempt: Int
    public var rail: PaymentRail
    /// The first attempt of the current budget (1, or the first attempt with a new method).
    public var budgetStartAttempt: Int
    /// The day the first attempt of the current budget was made (card: the 30-day window).
    public var budgetStartedOn: CalendarDate
    /// The original ACH entry's settlement date (its effective date); nil for cards.
    public var originalSettlement: CalendarDate?
    /// The business date the failure was learned.
    public var failedOn: CalendarDate

    public init(
        failedAttempt: Int, rail: PaymentRail, budgetStartAttempt: Int, budgetStartedOn: CalendarDate,
        originalSettlement: CalendarDate?, failedOn: CalendarDate
    ) {
        self.failedAttempt = failedAttempt
        self.rail = rail
        self.budgetStartAttempt = budgetStartAttempt
        self.budgetStartedOn = budgetStartedOn
        self.originalSettlement = originalSettlement
        self.failedOn = failedOn
    }

    /// Attempts made under the current budget, the failed one included.
    public var budgetUsed: Int { failedAttempt - budgetStartAttempt + 1 }
}

/// The retrier's answer to one failure.
public enum RetryPlan: Sendable, Hashable {
    case retry(nextAttempt: Int, on: CalendarDate, rule: String, budgetUsed: Int, budgetLimit: Int)
    case stop(rule: String, reason: String)
}

/// Decides whether and when a failed installment is presented again (DESIGN §6):
/// - card soft declines: after 1, 3, 5, 7, … days (2n − 1 days after the n-th failure), at most
///   15 attempts and never later than 30 days after the budget's first attempt (Visa and
///   Mastercard excessive-reattempt rules: 15 in 30 days);
/// - ACH R01/R09: reinitiated on the next banking day, at most 3 presentments within 180 days of
///   the original settlement (Nacha §2.12.4, `ACHReturnPolicy`); R08 waits for a new
///   authorization, which arrives as a payment-method change (a fresh budget);
/// - everything else stops.
public enum RetryPlanner {
    public static let cardAttemptLimit = 15
    public static let cardWindowDays = 30

    public static func plan(_ failure: FailureClassification, _ state: RetryState, calendar: BankingCalendar = .federalReserve) -> RetryPlan {
        let nextAttempt = state.failedAttempt + 1
        switch failure {
        case .stop(let rule, let why):
            return .stop(rule: rule, reason: why)
        case .cardSoftDecline:
            guard state.budgetUsed < cardAttemptLimit else {
                return .stop(rule: "card_attempt_limit", reason: "\(state.budgetUsed) attempts made; card networks allow at most \(cardAttemptLimit) in \(cardWindowDays) days")
            }
            let on = state.failedOn.adding(days: backoffDays(afterFailure: state.budgetUsed))
            guard state.budgetStartedOn.days(until: on) <= cardWindowDays else {
                return .stop(rule: "card_window", reason: "the next retry (\(on)) would fall more than \(cardWindowDays) days after the first attempt (\(state.budgetStartedOn))")
            }
            return .retry(nextAttempt: nextAttempt, on: on, rule: "card_soft_decline_backoff", budgetUsed: state.budgetUsed, budgetLimit: cardAttemptLimit)
        case .achReturn(let code):
            let on = calendar.nextBankingDay(after: state.failedOn)
            let decision = ACHReturnPolicy.decide(
                code: code, presentments: state.budgetUsed, originalSettlement: state.originalSettlement ?? state.budgetStartedOn,
                today: on, newAuthorizationOnFile: false
            )
            switch decision {
            case .reinitiate:
                return .retry(nextAttempt: nextAttempt, on: on, rule: "ach_reinitiation_\(code.rawValue)", budgetUsed: state.budgetUsed,
                              budgetLimit: ACHReturnPolicy.maximumPresentments)
            case .refuse(let reason):
                let category = ACHReturnCategory.of(code)
                return category.rule == .never
                    ? .stop(rule: "ach_\(category.rawValue)_\(code.rawValue)", reason: "\(reason): \(category.why)")
                    : .stop(rule: "ach_reinitiation_limit_\(code.rawValue)", reason: reason)
            }
        }
    }

    /// Days between the n-th failure of a budget and the next attempt: 1, 3, 5, 7, …
    public static func backoffDays(afterFailure n: Int) -> Int { 2 * max(n, 1) - 1 }
}
