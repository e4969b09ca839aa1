import Testing
@testable import CoverPayCore

@Suite struct UnappliedCashTests {
    typealias F = Fixture

    /// Quarterly, 100.00 a quarter.
    func quarterly() -> PolicySchedule {
        F.schedule(F.issuance(frequency: .quarterly, items: [F.item("COV", premium: "400.00")]))
    }

    @Test func paysWholeOpenEntriesOldestFirstAndKeepsTheRest() throws {
        var schedule = quarterly()
        try schedule.markPaid(entryNumber: 1)
        let application = schedule.applyUnappliedCash(F.money("250.00"))
        #expect(application.paidEntries.map(\.entryNumber) == [2, 3])
        #expect(application.remaining == F.money("50.00") && application.refund == .zero)
        #expect(schedule.entries.map(\.isPaid) == [true, true, true, false])
        #expect(application.change.updatedEntryNumbers == [2, 3])
    }

    @Test func neverPaysPartOfAnEntryNorSkipsAhead() {
        var schedule = quarterly()
        let application = schedule.applyUnappliedCash(F.money("99.99"))
        #expect(application.paidEntries.isEmpty && application.remaining == F.money("99.99"))
        #expect(schedule.entries.allSatisfy { !$0.isPaid })
    }

    @Test func aCancelledPolicyWithNothingToCollectRefundsTheRest() throws {
        var schedule = quarterly()
        for entry in 1...2 { try schedule.markPaid(entryNumber: entry) }
        // Cancelled mid-term with the unearned premium of the unpaid quarters dropped: nothing more to collect.
        try schedule.apply(F.transaction(.cancellation(reason: .insuredRequest), sequence: 2, effective: "2026-07-01", items: [F.item("COV", premium: "-200.00")]))
        #expect(schedule.state == .cancelled)
        let application = schedule.applyUnappliedCash(F.money("30.00"))
        #expect(application.refund == F.money("30.00") && application.remaining == .zero && application.paidEntries.isEmpty)
    }

    @Test func aCancelledPolicyFirstPaysWhatIsStillOwed() throws {
        var schedule = quarterly()
        try schedule.markPaid(entryNumber: 1)
        // Cancelled with an earned-premium charge: the cancellation entry is owed (100 + 100 + 100 - 250 = 50).
        try schedule.apply(F.transaction(.cancellation(reason: .insuredRequest), sequence: 2, effective: "2026-05-01", items: [F.item("COV", premium: "-250.00")]))
        let owed = try #require(schedule.entries.last { $0.isOpen })
        #expect(owed.total == F.money("50.00"))
        let application = schedule.applyUnappliedCash(F.money("80.00"))
        #expect(application.paidEntries.map(\.entryNumber) == [owed.entryNumber])
        #expect(application.refund == F.money("30.00") && application.remaining == .zero)
    }
}
