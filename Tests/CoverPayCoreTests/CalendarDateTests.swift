import Foundation
import Testing
@testable import CoverPayCore

@Suite struct CalendarDateTests {
    @Test func parsesAndFormatsISO() throws {
        let date = try CalendarDate(iso: "2028-02-29")
        #expect((date.year, date.month, date.day) == (2028, 2, 29))
        #expect(date.description == "2028-02-29")
        #expect(try CalendarDate(iso: "0001-01-01").description == "0001-01-01")
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2100-02-29", "0000-01-01"])
    func refusesImpossibleDates(text: String) {
        #expect(throws: CalendarDateError.invalid(text)) { try CalendarDate(iso: text) }
    }

    @Test(arguments: ["2026-1-01", "2026/01/01", "20260101", "2026-01-01T00:00", "", "abcd-ef-gh"])
    func refusesMalformed(text: String) {
        #expect(throws: CalendarDateError.malformed(text)) { try CalendarDate(iso: text) }
    }

    @Test func daysSinceEpochRoundTrips() throws {
        #expect(try CalendarDate(iso: "1970-01-01").daysSinceEpoch == 0)
        #expect(try CalendarDate(iso: "2000-03-01").daysSinceEpoch == 11_017)
        #expect(try CalendarDate(iso: "1969-12-31").daysSinceEpoch == -1)
        var date = try CalendarDate(iso: "1899-12-25")
        for _ in 0..<60_000 {
            let next = date.adding(days: 1)
            #expect(next.daysSinceEpoch == date.daysSinceEpoch + 1)
            #expect(CalendarDate(daysSinceEpoch: next.daysSinceEpoch) == next)
            #expect(date < next)
            date = next
        }
    }

    @Test func weekdays() throws {
        #expect(try CalendarDate(iso: "1970-01-01").weekday == .thursday)
        #expect(try CalendarDate(iso: "2026-01-01").weekday == .thursday)
        #expect(try CalendarDate(iso: "2027-07-04").weekday == .sunday)
        #expect(try CalendarDate(iso: "2028-02-29").weekday == .tuesday)
    }

    @Test func addingMonthsClampsToTheMonthsLastDay() throws {
        let jan31 = try CalendarDate(iso: "2026-01-31")
        let expected = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
                        "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31", "2027-01-31"]
        #expect((0...12).map { jan31.addingMonths($0).description } == expected)
        #expect(try CalendarDate(iso: "2028-01-31").addingMonths(1).description == "2028-02-29")
        let leapDay = try CalendarDate(iso: "2028-02-29")
        #expect(leapDay.addingMonths(12).description == "2029-02-28")
        #expect(leapDay.addingMonths(48).description == "2032-02-29")
        #expect(leapDay.addingMonths(1).description == "2028-03-29")
        #expect(try CalendarDate(iso: "2026-03-31").addingMonths(-1).description == "2026-02-28")
        #expect(try CalendarDate(iso: "2026-01-15").addingMonths(-13).description == "2024-12-15")
    }

    @Test func daysBetween() throws {
        #expect(try CalendarDate(iso: "2026-01-01").days(until: CalendarDate(iso: "2027-01-01")) == 365)
        #expect(try CalendarDate(iso: "2028-01-01").days(until: CalendarDate(iso: "2029-01-01")) == 366)
        #expect(try CalendarDate(iso: "2026-03-01").days(until: CalendarDate(iso: "2026-02-01")) == -28)
    }

    @Test func codableAsISOString() throws {
        let date = try CalendarDate(iso: "2026-07-04")
        #expect(String(decoding: try JSONEncoder().encode([date]), as: UTF8.self) == #"["2026-07-04"]"#)
        #expect(try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2026-07-04"]"#.utf8)) == [date])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2026-02-30"]"#.utf8)) }
    }
}
