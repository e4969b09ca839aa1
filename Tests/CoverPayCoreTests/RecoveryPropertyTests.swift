import PropertyBased
import Testing
@testable import CoverPayCore

/// Random failure histories through the retry planner: whatever the codes and dates, the rules of
/// DESIGN §6 hold.
@Suite struct RecoveryPropertyTests {
    /// Soft card declines until the planner stops: at most 15 attempts, all within 30 days of the
    /// first, each strictly later than the one before.
    @Test func cardRetriesStayWithinFifteenInThirtyDays() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...3650), Gen.int(in: 1...20)) { startOffset, budgetStart in
            let start = CalendarDate(daysSinceEpoch: 47_000 + startOffset)
            var failedOn = start
            var attempt = budgetStart
            var attempts = [start]
            while case .retry(let next, let on, _, let used, let limit) = RetryPlanner.plan(.cardSoftDecline, RetryState(
                failedAttempt: attempt, rail: .card, budgetStartAttempt: budgetStart, budgetStartedOn: start, originalSettlement: nil, failedOn: failedOn
            )) {
                #expect(next == attempt + 1)
                #expect(on > failedOn)
                #expect(used == attempt - budgetStart + 1 && limit == 15)
                attempts.append(on)
                failedOn = on
                attempt = next
            }
            #expect(attempts.count <= 15)
            #expect(start.days(until: attempts.last!) <= 30)
        }
    }

    /// ACH returns with random codes, on random days: never more than three presentments per
    /// budget, never after 180 days of the original settlement, only after R01 / R09, always on a
    /// banking day.
    @Test func achReinitiationFollowsNacha() async {
        let codes = ACHReturnCode.defined
        await propertyCheck(count: 300, input: Gen.int(in: 0...3650), Gen.int(in: 0...codes.count - 1), Gen.int(in: 1...4), Gen.int(in: 0...400)) {
            startOffset, codeIndex, attempt, daysLater in
            let settled = CalendarDate(daysSinceEpoch: 47_000 + startOffset)
            let code = codes[codeIndex]
            let plan = RetryPlanner.plan(.achReturn(code), RetryState(
                failedAttempt: attempt, rail: .ach, budgetStartAttempt: 1, budgetStartedOn: settled, originalSettlement: settled,
                failedOn: settled.adding(days: daysLater)
            ))
            guard case .retry(let next, let on, _, _, _) = plan else { return }
            #expect(["R01", "R09"].contains(code.rawValue))
            #expect(next <= ACHReturnPolicy.maximumPresentments)
            #expect(settled.days(until: on) <= ACHReturnPolicy.reinitiationWindowDays)
            #expect(BankingCalendar.federalReserve.isBankingDay(on))
        }
    }

    /// Random walks of days, stops, payments and cancellations through the delinquency rules: the
    /// stage only moves forward one step at a time (except a cure to current and a reinstatement),
    /// a notice always comes after the state's grace period, a cancellation request never before
    /// the notice's earliest cancellation date, and a cancelled policy is never cured.
    @Test func delinquencyMovesInOrder() async throws {
        let rules = try CollectionFixtures.complianceRules()
        let states = ["CA", "NY", "FL", "TX", "OH"]
        await propertyCheck(count: 300, input: Gen.int(in: 0...4), Gen.uint64()) { stateIndex, seed in
            let state = states[stateIndex]
            var rng = SplitMix64(state: seed)
            var today = CalendarDate(daysSinceEpoch: 47_000)
            var delinquency = Delinquency()
            for _ in 0..<60 {
                let before = delinquency
                let transition: DelinquencyTransition?
                switch rng.next() % 10 {
                case 0: transition = DelinquencyRules.retriesStopped(delinquency, on: today)
                case 1: transition = DelinquencyRules.cure(delinquency, on: today)
                case 2 where rng.next() % 5 == 0: transition = DelinquencyRules.cancelled(delinquency, on: today)
                default:
                    today = today.adding(days: Int(rng.next() % 4))
                    transition = DelinquencyRules.advance(delinquency, today: today, state: state, rules: rules)
                }
                guard let transition else { continue }
                #expect(transition.from == before.stage)
                let to = transition.to
                switch to.stage {
                case .current:
                    #expect(before.stage.isCurable || before.stage == .cancelled)
                    #expect(to == Delinquency())
                case .pastDue:
                    #expect(before.stage == .current)
                case .noticeSent:
                    #expect(before.stage == .pastDue)
                    let since = try! #require(before.pastDueSince)
                    #expect(since.days(until: today) >= rules.gracePeriodDays(state: state).value)
                    #expect(to.earliestCancellationDate == today.adding(days: rules.noticeDays(state: state).value))
                case .cancellationRequested:
                    #expect(before.stage == .noticeSent)
                    #expect(try! #require(before.earliestCancellationDate) <= today)
                case .cancelled:
                    #expect(before.stage != .cancelled)
                }
                delinquency = to
            }
        }
    }
}
