import Testing
@testable import CoverPayCore

@Suite struct ScheduleEngineTests {
    typealias F = Fixture

    @Test func modalSplitsLeftoverCentsToTheEarliestEntries() {
        let schedule = F.schedule(F.issuance(items: [F.item("COV", premium: "1000.00")]))
        #expect(schedule.totals == Array(repeating: "83.34", count: 4) + Array(repeating: "83.33", count: 8))
        #expect(schedule.dates == (1...12).map { "2026-\($0 < 10 ? "0" : "")\($0)-01" })
        #expect(schedule.entries.map(\.entryNumber) == Array(1...12))
        #expect(schedule.entries.allSatisfy { $0.transaction == .issuance && $0.status == .valid && !$0.isPaid })
    }

    @Test func modalAppliesTheSignAfterSplitting() {
        var shares = [Int64](repeating: 0, count: 3)
        shares.withUnsafeMutableBufferPointer { Apportionment.modal(-1000, into: $0) }
        #expect(shares == [-334, -333, -333])
    }

    /// The weighted split against the 128-bit reference, over the whole Int64 range, weights from
    /// one day to beyond a 9999-year term, and lists short and long.
    @Test func weightedSplitMatchesTheReferenceForAnyAmount() {
        var rng = SplitMix64(state: 2026)
        for round in 0..<20_000 {
            let count = Int.random(in: 1...(round % 5 == 0 ? 150 : 40), using: &rng)
            let largest = [31, 400, 3_700_000, 1 << 40][round % 4]
            let weights = (0..<count).map { _ in Int.random(in: 1...largest, using: &rng) }
            let magnitude: Int64 = switch round / 4 % 4 {
            case 0: .random(in: 0...1_000, using: &rng)
            case 1: .random(in: 0...Money.maximumMagnitudeCents, using: &rng)
            case 2: Int64.max - .random(in: 0...1_000, using: &rng)
            default: .random(in: 0...Int64.max, using: &rng)
            }
            let amount = Bool.random(using: &rng) ? -magnitude : magnitude
            var shares = [Int64](repeating: 0, count: count)
            weights.map(Int64.init).withUnsafeBufferPointer { values in
                let split = Apportionment.Weights(values: values, total: UInt64(weights.reduce(0, +)))
                shares.withUnsafeMutableBufferPointer { Apportionment.weighted(amount, weights: split, into: $0) }
            }
            #expect(shares == ScheduleWalk.referenceShares(amount, weights: weights), "\(amount) over \(weights)")
        }
    }

    @Test func dailySplitsByDaysWithLargestRemainders() {
        let schedule = F.schedule(F.issuance(method: .daily, items: [F.item("COV", premium: "1000.00")]))
        // 100000 × days / 365: two leftover cents go to February (remainder 85) and then April,
        // the earliest of the entries tied at remainder 65.
        #expect(schedule.totals == ["84.93", "76.72", "84.93", "82.20", "84.93", "82.19",
                                    "84.93", "84.93", "82.19", "84.93", "82.19", "84.93"])
    }

    @Test func splitsPerItemAndComponentAndSumsDetails() throws {
        let schedule = F.schedule(F.issuance(frequency: .quarterly, items: [
            F.item("COV", premium: "100.01", fee: "10.00", tax: "0.03"),
            F.item("VEH", .asset, premium: "0.02", fee: "0", tax: "1.00"),
        ]))
        #expect(schedule.dates == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"])
        let first = schedule.entries[0]
        #expect(first.details.map { schedule.items[$0.itemIndex].ref } == ["COV", "VEH"])
        #expect(first.details[0].amounts == ComponentAmounts(premium: F.money("25.01"), fee: F.money("2.50"), tax: F.money("0.01")))
        #expect(first.details[1].amounts == ComponentAmounts(premium: F.money("0.01"), fee: .zero, tax: F.money("0.25")))
        #expect(first.amounts == ComponentAmounts(premium: F.money("25.02"), fee: F.money("2.50"), tax: F.money("0.26")))
        #expect(schedule.entries[3].details[0].amounts.tax == .zero)
        #expect(schedule.billableTotal.total == F.money("111.06"))
    }

    @Test func monthEndStartsClampWithoutChaining() {
        let schedule = F.schedule(F.issuance(start: "2026-01-31", end: "2027-01-31", items: [F.item("C", premium: "12.00")]))
        #expect(schedule.dates == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
                                   "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"])
    }

    @Test func leapDayStart() {
        let monthly = F.schedule(F.issuance(start: "2028-02-29", end: "2029-02-28", items: [F.item("C", premium: "12.00")]))
        #expect(monthly.dates.prefix(3) == ["2028-02-29", "2028-03-29", "2028-04-29"])
        #expect(monthly.entries.count == 12)
        let annual = F.schedule(F.issuance(start: "2028-02-29", end: "2031-03-01", frequency: .annual, items: [F.item("C", premium: "3.00")]))
        #expect(annual.dates == ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28"])
        #expect(annual.totals == ["0.75", "0.75", "0.75", "0.75"])
    }

    @Test func shortAndOddTerms() {
        let short = F.schedule(F.issuance(start: "2026-03-10", end: "2026-03-25", items: [F.item("C", premium: "5.00")]))
        #expect(short.dates == ["2026-03-10"])
        let odd = F.schedule(F.issuance(start: "2026-01-15", end: "2026-08-01", frequency: .quarterly, method: .daily, items: [F.item("C", premium: "198.00")]))
        // Quarters of 90, 91, 17 days out of 198.
        #expect(odd.dates == ["2026-01-15", "2026-04-15", "2026-07-15"])
        #expect(odd.totals == ["90.00", "91.00", "17.00"])
    }

    @Test func endorsementSpreadsOverUnpaidEntriesOnOrAfterItsDate() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "1200.00")]))
        for number in 1...3 { try schedule.markPaid(entryNumber: number) }
        let change = try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2026-04-15", items: [F.item("C", premium: "90.00")]))
        // Entries 5…12 (May to December): 90.00 / 8 = 11.25 each; April's entry is before the date.
        #expect(schedule.totals == Array(repeating: "100.00", count: 4) + Array(repeating: "111.25", count: 8))
        #expect(change.createdEntryNumbers.isEmpty)
        #expect(change.updatedEntryNumbers == Array(5...12))
        #expect(schedule.entries.count == 12)
    }

    @Test func endorsementWithDailyWeights() throws {
        var schedule = F.schedule(F.issuance(method: .daily, items: [F.item("C", premium: "0")]))
        for number in 1...10 { try schedule.markPaid(entryNumber: number) }
        // November (30 days) and December (31 days) share 61.00 by days.
        try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2026-10-20", items: [F.item("C", premium: "61.00")]))
        #expect(schedule.totals.suffix(2) == ["30.00", "31.00"])
    }

    @Test func endorsementWithNoUnpaidEntryCreatesAnEntry() throws {
        var schedule = F.schedule(F.issuance(frequency: .annual, items: [F.item("C", premium: "500.00")]))
        try schedule.markPaid(entryNumber: 1)
        let change = try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2026-06-01", items: [
            F.item("C", premium: "-50.00", tax: "-2.50"), F.item("NEW", .participant, premium: "0"),
        ]))
        #expect(change.createdEntryNumbers == 2..<3)
        let entry = try #require(schedule.entry(number: 2))
        #expect(entry.transaction == .endorsement && entry.status == .valid)
        #expect(entry.scheduleDate == F.date("2026-06-01"))
        #expect(entry.total == F.money("-52.50"))
        #expect(entry.details.map { schedule.items[$0.itemIndex].ref } == ["C"])   // the all-zero item adds no detail
        #expect(change.refundOwed == F.money("52.50"))
    }

    @Test func zeroEndorsementCreatesNothing() throws {
        var schedule = F.schedule(F.issuance(frequency: .annual, items: [F.item("C", premium: "500.00")]))
        try schedule.markPaid(entryNumber: 1)
        let change = try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2026-06-01", items: [F.item("C", premium: "0.00")]))
        #expect(change.isEmpty && schedule.entries.count == 1)
    }

    @Test func cancellationConsolidatesUnpaidEntries() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "1200.00", fee: "12.00")]))
        for number in 1...3 { try schedule.markPaid(entryNumber: number) }
        let change = try schedule.apply(F.transaction(.cancellation(reason: .insuredRequest), sequence: 2, effective: "2026-03-20", items: [
            F.item("C", premium: "-950.00", fee: "-9.00"),
        ]))
        #expect(schedule.statuses == Array(repeating: "Valid", count: 3) + Array(repeating: "Invalid", count: 9) + ["Valid"])
        let cancellation = try #require(schedule.entry(number: 13))
        #expect(cancellation.transaction == .cancellation && cancellation.scheduleDate == F.date("2026-03-20"))
        // 900.00 + 9.00 unpaid, minus 950.00 + 9.00 unearned: a 50.00 refund.
        #expect(cancellation.amounts == ComponentAmounts(premium: F.money("-50.00"), fee: .zero, tax: .zero))
        #expect(change.refundOwed == F.money("50.00"))
        #expect(change.updatedEntryNumbers == Array(4...12) && change.createdEntryNumbers == 13..<14)
        #expect(schedule.createdEntries(change).map(\.transaction) == [.cancellation])
        #expect(schedule.state == .cancelled)
        #expect(schedule.billableTotal.premium == F.money("250.00"))
    }

    @Test func reinstatementConsolidatesAnUnpaidCancellationEntry() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "1200.00")]))
        for number in 1...3 { try schedule.markPaid(entryNumber: number) }
        try schedule.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 2, effective: "2026-03-20", items: [F.item("C", premium: "-950.00")]))
        let change = try schedule.apply(F.transaction(.reinstatement, sequence: 3, effective: "2026-03-20", items: [F.item("C", premium: "950.00")]))
        #expect(schedule.entry(number: 13)?.status == .invalid)
        let reinstatement = try #require(schedule.entry(number: 14))
        #expect(reinstatement.transaction == .reinstatement && reinstatement.status == .valid)
        #expect(reinstatement.name == "Reinstatement by payment schedule")
        #expect(reinstatement.total == F.money("900.00"))
        #expect(change.refundWithdrawn == F.money("50.00"))
        #expect(change.refundOwed == nil)
        #expect(schedule.state == .active)
        #expect(schedule.billableTotal.premium == F.money("1200.00"))
    }

    @Test func reinstatementAfterAPaidCancellationCarriesTheChangesAlone() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "1200.00")]))
        for number in 1...3 { try schedule.markPaid(entryNumber: number) }
        try schedule.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 2, effective: "2026-03-20", items: [F.item("C", premium: "-950.00")]))
        try schedule.markPaid(entryNumber: 13)   // the refund went out
        try schedule.apply(F.transaction(.reinstatement, sequence: 3, effective: "2026-04-01", items: [F.item("C", premium: "950.00")]))
        #expect(schedule.entry(number: 13)?.status == .valid)
        #expect(schedule.entry(number: 14)?.total == F.money("950.00"))
        #expect(schedule.billableTotal.premium == F.money("1200.00"))
    }

    @Test func cancellationWithNothingToConsolidateAndNoChangesCreatesNoEntry() throws {
        var schedule = F.schedule(F.issuance(frequency: .annual, items: [F.item("C", premium: "100.00")]))
        try schedule.markPaid(entryNumber: 1)
        let change = try schedule.apply(F.transaction(.cancellation(reason: .underwriting), sequence: 2, effective: "2026-05-01", items: []))
        #expect(change.isEmpty && schedule.state == .cancelled)
        let reinstated = try schedule.apply(F.transaction(.reinstatement, sequence: 3, effective: "2026-05-01", items: [F.item("C", premium: "0")]))
        #expect(reinstated.isEmpty && schedule.state == .active && schedule.entries.count == 1)
    }

    @Test func repeatedTransactionIDIsANoOp() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "120.00")]))
        let endorsement = F.transaction(.endorsement, sequence: 2, effective: "2026-02-01", items: [F.item("C", premium: "11.00")])
        try schedule.apply(endorsement)
        let before = schedule
        let again = try schedule.apply(endorsement)
        #expect(again.isDuplicate && again.isEmpty && schedule == before)
        #expect(try schedule.apply(F.issuance(items: [F.item("C", premium: "1")])).isDuplicate)
    }

    @Test func paymentsMarkEntriesPaidAndUnpaid() throws {
        var schedule = F.schedule(F.issuance(frequency: .semiannual, items: [F.item("C", premium: "10.00")]))
        #expect(try schedule.markPaid(entryNumber: 2).updatedEntryNumbers == [2])
        #expect(try schedule.markPaid(entryNumber: 2).isEmpty)
        #expect(schedule.entry(number: 2)?.isPaid == true)
        #expect(try schedule.markUnpaid(entryNumber: 2).updatedEntryNumbers == [2])
        #expect(schedule.entry(number: 2)?.isPaid == false)
        #expect(throws: ScheduleError.self) { try schedule.markPaid(entryNumber: 3) }
        #expect(throws: ScheduleError.self) { try schedule.markPaid(entryNumber: 0) }
        try schedule.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 2, effective: "2026-02-01", items: []))
        do {
            try schedule.markPaid(entryNumber: 1)
            Issue.record("paying an Invalid entry must be refused")
        } catch {
            #expect(error.code == .entryNotValid)
        }
    }

    @Test func stateRulesRefuseOutOfOrderTransactions() throws {
        func code(_ body: () throws -> Void) -> ScheduleError.Code? {
            do { try body(); return nil } catch { return (error as? ScheduleError)?.code }
        }
        var fresh = PolicySchedule(policyID: "POL-1")
        #expect(code { try fresh.apply(F.transaction(.endorsement, sequence: 2, effective: "2026-02-01", items: [])) } == .unknownPolicy)
        #expect(code { try fresh.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 2, effective: "2026-02-01", items: [])) } == .unknownPolicy)
        #expect(code { try fresh.apply(F.issuance(items: [])) } == .missingItems)
        #expect(code { try fresh.apply(F.issuance(items: [F.item("C", premium: "1"), F.item("C", premium: "2")])) } == .duplicateItem)
        #expect(code { try fresh.apply(F.issuance(items: [F.item("C", premium: "1")], policyID: "OTHER")) } == .policyMismatch)

        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "120.00")]))
        var second = F.issuance(items: [F.item("C", premium: "1")])
        second.transactionID = "TX-again"
        #expect(code { try schedule.apply(second) } == .alreadyIssued)
        #expect(code { try schedule.apply(F.transaction(.reinstatement, sequence: 2, effective: "2026-02-01", items: [])) } == .notCancelled)
        #expect(code { try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2027-01-01", items: [])) } == .effectiveDateOutsideTerm)
        #expect(code { try schedule.apply(F.transaction(.endorsement, sequence: 2, effective: "2025-12-31", items: [])) } == .effectiveDateOutsideTerm)
        try schedule.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 2, effective: "2026-02-01", items: []))
        let cancelled = schedule
        #expect(code { try schedule.apply(F.transaction(.endorsement, sequence: 3, effective: "2026-03-01", items: [])) } == .policyCancelled)
        #expect(code { try schedule.apply(F.transaction(.cancellation(reason: .nonpayment), sequence: 3, effective: "2026-03-01", items: [])) } == .policyCancelled)
        #expect(schedule == cancelled)
    }

    @Test func invalidTermIsRefused() {
        #expect(throws: ScheduleError.self) { try PolicyTerm(start: F.date("2026-01-01"), end: F.date("2026-01-01")) }
        do {
            _ = try PolicyTerm(start: F.date("2026-01-01"), end: F.date("2025-12-01"))
        } catch {
            #expect(error.code == .invalidTerm && error.message.contains("2025-12-01"))
        }
    }

    @Test func scheduleRoundTripsThroughCodable() throws {
        var schedule = F.schedule(F.issuance(items: [F.item("C", premium: "120.00")]))
        try schedule.markPaid(entryNumber: 1)
        let data = try JSONEncoder().encode(schedule)
        #expect(try JSONDecoder().decode(PolicySchedule.self, from: data) == schedule)
    }

    @Test func benchmarkRuns() {
        let result = ScheduleBenchmark.run(seconds: 0.05)
        #expect(result.schedules > 0 && result.elapsed >= 0.05)
    }
}

import Foundation
