/// The policy period `[start, end)`: coverage starts on `start` and stops at `end`.
public struct PolicyTerm: Sendable, Hashable {
    public let start: CalendarDate
    public let end: CalendarDate

    public init(start: CalendarDate, end: CalendarDate) throws(ScheduleError) {
        guard start < end else {
            throw ScheduleError(.invalidTerm, "term.end \(end) must be after term.start \(start)")
        }
        self.start = start
        self.end = end
    }

    public var days: Int { start.days(until: end) }

    public func contains(_ date: CalendarDate) -> Bool { start <= date && date < end }

    /// `d_k = start + k × m months`, clamped to each month's last day and always counted from
    /// `start` (never chained), for every `d_k < end`. Steps month by month rather than calling
    /// `addingMonths` per date: the same dates, without its divisions.
    public func planDates(_ frequency: BillingFrequency) -> [CalendarDate] {
        var dates: [CalendarDate] = []
        let step = frequency.monthsPerPeriod
        let months = (end.year - start.year) * 12 + end.month - start.month
        dates.reserveCapacity(months / step + 1)
        var year = start.year
        var month = start.month
        while true {
            let date = CalendarDate(unchecked: year, month, min(start.day, CalendarDate.daysInMonth(year: year, month: month)))
            guard date < end else { return dates }
            dates.append(date)
            month += step
            if month > 12 {
                month -= 12
                year += 1
            }
        }
    }
}

extension PolicyTerm: Codable {
    private enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            start: container.decode(CalendarDate.self, forKey: .start),
            end: container.decode(CalendarDate.self, forKey: .end)
        )
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
    }
}
