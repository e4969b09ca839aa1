import Testing
@testable import CoverPayCore

@Suite struct CalendarBankingTests {
    let calendar = BankingCalendar.federalReserve

    private func date(_ text: String) -> CalendarDate { try! CalendarDate(iso: text) }

    @Test func federalReserveHolidays2026() {
        let observed = FederalReserveHoliday.observed(in: 2026).map { $0.date.description }
        #expect(observed == [
            "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-04",
            "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
        ])
    }

    @Test func federalReserveHolidays2027() {
        let observed = FederalReserveHoliday.observed(in: 2027).map { $0.date.description }
        // Juneteenth and Christmas fall on Saturday (not moved); July 4 on Sunday → Monday July 5.
        #expect(observed == [
            "2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-19", "2027-07-05",
            "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-25",
        ])
    }

    @Test func juneteenthFrom2022AndSundayObservance() {
        #expect(FederalReserveHoliday.juneteenth.observedDate(in: 2021) == nil)
        #expect(FederalReserveHoliday.juneteenth.observedDate(in: 2022) == date("2022-06-20"))
        #expect(FederalReserveHoliday.newYearsDay.observedDate(in: 2023) == date("2023-01-02"))
        #expect(calendar.isBankingDay(date("2021-06-18")))
    }

    @Test func bankingDays() {
        #expect(!calendar.isBankingDay(date("2026-01-01")))   // New Year's Day, Thursday
        #expect(calendar.isBankingDay(date("2026-01-02")))
        #expect(!calendar.isBankingDay(date("2026-01-03")))   // Saturday
        #expect(!calendar.isBankingDay(date("2026-06-19")))   // Juneteenth, Friday
        #expect(calendar.isBankingDay(date("2026-07-03")))    // July 4 is a Saturday: Friday stays open
        #expect(calendar.isBankingDay(date("2027-06-18")))    // Juneteenth on Saturday: Friday open
        #expect(!calendar.isBankingDay(date("2027-07-05")))   // July 4 on Sunday → Monday
        #expect(calendar.isBankingDay(date("2027-12-24")))    // Christmas on Saturday: Friday open
        #expect(!calendar.isBankingDay(date("2026-11-26")))   // Thanksgiving
        #expect(calendar.isBankingDay(date("2026-11-27")))
    }

    @Test func previousAndAddingBankingDays() {
        #expect(calendar.previousBankingDay(before: date("2027-07-06")) == date("2027-07-02"))
        #expect(calendar.previousBankingDay(before: date("2026-01-05")) == date("2026-01-02"))
        #expect(calendar.previousBankingDay(before: date("2026-01-02")) == date("2025-12-31"))
        #expect(calendar.addingBankingDays(2, to: date("2026-12-23")) == date("2026-12-28"))
        #expect(calendar.addingBankingDays(-2, to: date("2026-01-05")) == date("2025-12-31"))
        #expect(calendar.addingBankingDays(0, to: date("2026-01-03")) == date("2026-01-03"))
        #expect(calendar.bankingDays(from: date("2026-01-01"), to: date("2026-01-12")) == 6)
        #expect(calendar.bankingDays(from: date("2026-01-01"), to: date("2027-01-01")) == 251)
        #expect(calendar.bankingDays(from: date("2026-02-01"), to: date("2026-01-01")) == 0)
    }

    @Test func dueDates() {
        #expect(calendar.dueDate(for: date("2026-07-06"), rail: .ach) == date("2026-07-03"))
        #expect(calendar.dueDate(for: date("2027-07-06"), rail: .ach) == date("2027-07-02"))
        #expect(calendar.dueDate(for: date("2026-02-17"), rail: .ach) == date("2026-02-13"))  // Presidents Day Monday
        #expect(calendar.dueDate(for: date("2026-03-01"), rail: .card) == date("2026-03-01"))
        #expect(calendar.dueDate(for: date("2026-03-01"), rail: .ach) == date("2026-02-27"))
    }
}
