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
}
