/// The US Federal Reserve's holidays, each computed by its rule rather than listed by hand.
/// The Fed's observance rule: a holiday falling on Sunday is observed on Monday; one falling on
/// Saturday is not moved (the preceding Friday stays a banking day).
public enum FederalReserveHoliday: String, Sendable, Hashable, CaseIterable {
    case newYearsDay, martinLutherKingJrDay, presidentsDay, memorialDay, juneteenth,
         independenceDay, laborDay, columbusDay, veteransDay, thanksgivingDay, christmasDay

    /// The holiday's own date in `year` (before the Sunday rule); nil where it did not exist yet.
    public func date(in year: Int) -> CalendarDate? {
        switch self {
        case .newYearsDay: CalendarDate(unchecked: year, 1, 1)
        case .martinLutherKingJrDay: Self.nthWeekday(3, .monday, year, 1)
        case .presidentsDay: Self.nthWeekday(3, .monday, year, 2)
        case .memorialDay: Self.lastWeekday(.monday, year, 5)
        case .juneteenth: year >= 2022 ? CalendarDate(unchecked: year, 6, 19) : nil
        case .independenceDay: CalendarDate(unchecked: year, 7, 4)
        case .laborDay: Self.nthWeekday(1, .monday, year, 9)
        case .columbusDay: Self.nthWeekday(2, .monday, year, 10)
        case .veteransDay: CalendarDate(unchecked: year, 11, 11)
        case .thanksgivingDay: Self.nthWeekday(4, .thursday, year, 11)
        case .christmasDay: CalendarDate(unchecked: year, 12, 25)
        }
    }

    /// The day the Fed is closed for it in `year`: Sunday moves to Monday, Saturday stays.
    public func observedDate(in year: Int) -> CalendarDate? {
        guard let date = date(in: year) else { return nil }
        return date.weekday == .sunday ? date.adding(days: 1) : date
    }

    /// Every holiday observed in `year`, in date order.
    public static func observed(in year: Int) -> [(date: CalendarDate, holiday: FederalReserveHoliday)] {
        allCases.compactMap { holiday in holiday.observedDate(in: year).map { ($0, holiday) } }
            .sorted { $0.date < $1.date }
    }

    /// The holiday observed on `date`, if any.
    public static func observed(on date: CalendarDate) -> FederalReserveHoliday? {
        allCases.first { $0.observedDate(in: date.year) == date }
    }

    private static func nthWeekday(_ ordinal: Int, _ weekday: Weekday, _ year: Int, _ month: Int) -> CalendarDate {
        let first = CalendarDate(unchecked: year, month, 1)
        let offset = (weekday.rawValue - first.weekday.rawValue + 7) % 7
        return first.adding(days: offset + 7 * (ordinal - 1))
    }

    private static func lastWeekday(_ weekday: Weekday, _ year: Int, _ month: Int) -> CalendarDate {
        let last = CalendarDate(unchecked: year, month, CalendarDate.daysInMonth(year: year, month: month))
        let offset = (last.weekday.rawValue - weekday.rawValue + 7) % 7
        return last.adding(days: -offset)
    }
}
