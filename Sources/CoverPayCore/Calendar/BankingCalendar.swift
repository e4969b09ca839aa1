/// Banking days: Monday to Friday except US Federal Reserve holidays (see `FederalReserveHoliday`).
public struct BankingCalendar: Sendable {
    public static let federalReserve = BankingCalendar()

    public init() {}

    public func isBankingDay(_ date: CalendarDate) -> Bool {
        !date.weekday.isWeekend && FederalReserveHoliday.observed(on: date) == nil
    }

    /// The last banking day strictly before `date`.
    public func previousBankingDay(before date: CalendarDate) -> CalendarDate {
        var candidate = date.adding(days: -1)
        while !isBankingDay(candidate) { candidate = candidate.adding(days: -1) }
        return candidate
    }

    /// The first banking day strictly after `date`.
    public func nextBankingDay(after date: CalendarDate) -> CalendarDate {
        var candidate = date.adding(days: 1)
        while !isBankingDay(candidate) { candidate = candidate.adding(days: 1) }
        return candidate
    }

    /// `count` banking days after `date` (before it when negative); 0 returns `date` unchanged.
    public func addingBankingDays(_ count: Int, to date: CalendarDate) -> CalendarDate {
        var result = date
        for _ in 0..<count.magnitude {
            result = count > 0 ? nextBankingDay(after: result) : previousBankingDay(before: result)
        }
        return result
    }

    /// The number of banking days in the half-open range `[start, end)`; 0 when `end <= start`.
    public func bankingDays(from start: CalendarDate, to end: CalendarDate) -> Int {
        var count = 0
        var day = start
        while day < end {
            if isBankingDay(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    /// When an installment must be sent so that it is collected on its schedule date: a card is
    /// charged on the date itself; an ACH debit is sent one banking day early (the previous
    /// banking day) so that it settles by the date.
    public func dueDate(for entryDate: CalendarDate, rail: InstallmentRail) -> CalendarDate {
        switch rail {
        case .card: entryDate
        case .ach: previousBankingDay(before: entryDate)
        }
    }
}

/// The rail an installment is collected on, as far as its lead time is concerned.
public enum InstallmentRail: String, Sendable, Hashable, CaseIterable {
    case card, ach
}
