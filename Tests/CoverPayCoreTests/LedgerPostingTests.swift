import Testing
@testable import CoverPayCore

@Suite struct LedgerPostingTests {
    let terms = PolicyTerms(carrierID: "ACME", commissionRate: try! CommissionRate(parsing: "0.15"))
    let split = InstallmentSplit(premium: Money(cents: 10_000), fee: Money(cents: 500), tax: Money(cents: 300))

    @Test func commissionRoundsHalfAwayFromZeroToTheCent() throws {
        let rate = try CommissionRate(parsing: "0.125")
        #expect(rate.commission(on: Money(cents: 1_004)) == Money(cents: 126)) // 125.5 -> 126
        #expect(rate.commission(on: Money(cents: -1_004)) == Money(cents: -126))
        #expect(rate.commission(on: Money(cents: 1_003)) == Money(cents: 125)) // 125.375 -> 125
        #expect(try CommissionRate(parsing: "1").commission(on: Money(cents: 999)) == Money(cents: 999))
        #expect(try CommissionRate(parsing: ".1").commission(on: Money(cents: 999_999_999_999_999)) == Money(cents: 100_000_000_000_000))
        #expect(rate.description == "0.125")
    }

    @Test func commissionRatesOutsideZeroToOneOrTooPreciseAreRefused() {
        for text in ["1.5", "-0.1", "abc", "", "0.1234567", "15%", "0.1.2"] {
            #expect(throws: LedgerError.self) { try CommissionRate(parsing: text) }
        }
    }

    @Test func aCardCollectionHoldsCommissionAndFeesPending() throws {
        let (payment, entry) = try PostingRules.collected(
            split: split, surcharge: Money(cents: 250), total: Money(cents: 11_050), rail: .card, terms: terms, returnFeesDue: .zero, memo: "m"
        )
        #expect(entry.lines == [
            JournalLine(account: "1030", debit: Money(cents: 11_050)),
            JournalLine(account: "2010-ACME", credit: Money(cents: 8_500)),
            JournalLine(account: "2020", credit: Money(cents: 300)),
            JournalLine(account: "2070", credit: Money(cents: 1_500)),
            JournalLine(account: "2080", credit: Money(cents: 750)),
        ])
        #expect(payment.commission == Money(cents: 1_500) && payment.fees == Money(cents: 750))
        #expect(entry.idempotencyKey(eventID: "E1") == "E1:v\(PostingRules.version):collected")
    }

    @Test func anACHCollectionWaitsInTransit() throws {
        let (_, entry) = try PostingRules.collected(split: split, surcharge: .zero, total: split.total, rail: .ach, terms: terms, returnFeesDue: .zero, memo: "m")
        #expect(entry.lines.first == JournalLine(account: "1035", debit: split.total))
    }

    @Test func aPaymentThatIsNotTheInstallmentIsRefused() {
        do {
            _ = try PostingRules.collected(split: split, surcharge: .zero, total: Money(cents: 1), rail: .card, terms: terms, returnFeesDue: .zero, memo: "m")
            Issue.record("a payment of 0.01 for a 108.00 installment was accepted")
        } catch {
            #expect(error.code == .splitMismatch)
        }
    }

    @Test func settlementMovesTheNetToTrustCashAndRecognisesIncome() throws {
        let (payment, _) = try PostingRules.collected(split: split, surcharge: .zero, total: split.total, rail: .card, terms: terms, returnFeesDue: .zero, memo: "m")
        let entries = try PostingRules.settled(payment, net: Money(cents: 10_500), processorFee: Money(cents: 300), memo: "s")
        #expect(entries.map(\.leg) == ["settled", "fee_cover", "recognised"])
        #expect(entries[0].lines == [
            JournalLine(account: "1010", debit: Money(cents: 10_500)), JournalLine(account: "5010", debit: Money(cents: 300)),
            JournalLine(account: "1030", credit: Money(cents: 10_800)),
        ])
        #expect(entries[2].lines.contains(JournalLine(account: "4010", credit: Money(cents: 1_500))))
        #expect(entries[2].lines.contains(JournalLine(account: "4020", credit: Money(cents: 500))))
        #expect(throws: LedgerError.self) { try PostingRules.settled(payment, net: Money(cents: 1), processorFee: .zero, memo: "s") }
    }

    @Test func aReturnFeeIsAccruedWhenAssessedCollectedWithAPaymentAndIncomeOnlyAtSettlement() throws {
        let fee = Money(cents: 2_500)
        let assessed = try PostingRules.feeAssessed(fee, memo: "a")
        #expect(assessed.lines == [JournalLine(account: "1040", debit: fee), JournalLine(account: "2080", credit: fee)])
        let (payment, entry) = try PostingRules.collected(
            split: split, surcharge: .zero, total: split.total + fee, rail: .ach, terms: terms, returnFeesDue: fee, memo: "m"
        )
        #expect(payment.returnFees == fee)
        #expect(entry.lines.contains(JournalLine(account: "2080", credit: Money(cents: 500))), "only the installment fee joins fees pending")
        #expect(entry.lines.contains(JournalLine(account: "1040", credit: fee)), "the payment settles the receivable")
        #expect(!entry.lines.contains { LedgerAccount.income.contains($0.account) })
        let recognised = try #require(try PostingRules.settled(payment, net: payment.total, processorFee: .zero, memo: "s").last)
        #expect(recognised.lines.contains(JournalLine(account: "4030", credit: fee)))
        // More than the fees due is not a return fee: refused.
        #expect(throws: LedgerError.self) {
            try PostingRules.collected(split: split, surcharge: .zero, total: split.total + fee + Money(cents: 1), rail: .ach, terms: terms, returnFeesDue: fee, memo: "m")
        }
    }

    @Test(arguments: [PostingRules.FeeRelease.waived, .writtenOff])
    func aReleasedFeeUndoesItsAssessmentAndEarnsNothing(release: PostingRules.FeeRelease) throws {
        let fee = Money(cents: 2_000)
        let assessed = try PostingRules.feeAssessed(fee, memo: "a")
        let released = try PostingRules.feeReleased(fee, feeID: "fee-1", release, memo: "r")
        #expect(released.rule == release.rawValue && released.leg == "released:fee-1")
        var net: [String: Money] = [:]
        for line in assessed.lines + released.lines { net[line.account, default: .zero] += line.net }
        #expect(net.values.allSatisfy { $0.isZero }, "\(net)")
        #expect(!released.lines.contains { LedgerAccount.income.contains($0.account) })
    }

    @Test(arguments: ["-264.48", "0.00"])
    func aReceivedPaymentThatIsNotPositiveIsRefused(amount: String) throws {
        // The fuzz run found a negative `payment.received` booked as cash leaving the trust account.
        #expect(throws: LedgerError.self) { try PostingRules.received(try Money(parsing: amount), memo: "check") }
        let entry = try PostingRules.received(try Money(parsing: "0.01"), memo: "check")
        #expect(entry.lines.count == 2)
    }

    @Test func anUnbalancedEntryIsRefused() {
        let entry = JournalEntryDraft(rule: "r", leg: "l", memo: "m", lines: [.debit("1010", Money(cents: 2)), .credit("2060", Money(cents: 1))])
        #expect(throws: LedgerError.self) { try PostingRules.balanced(entry) }
    }

    @Test func aReversalSwapsEverySide() {
        let posted = PostedEntry(entryID: 7, lines: [JournalLine(account: "1010", debit: Money(cents: 5)), JournalLine(account: "2060", credit: Money(cents: 5))])
        let reversal = posted.reversal(rule: "payment_returned", memo: "r")
        #expect(reversal.reversesEntryID == 7)
        #expect(reversal.lines == [JournalLine(account: "1010", credit: Money(cents: 5)), JournalLine(account: "2060", debit: Money(cents: 5))])
    }

    @Test func theTrustCheckCountsInTransitPremiumAndFlagsAShortfall() {
        let balances: [String: Money] = ["1010": Money(cents: 100), "1030": Money(cents: 50), "2010-ACME": Money(cents: -120), "2090": Money(cents: -40), "2060": Money(cents: -999)]
        let check = TrustCheck(balances: balances, isFiduciaryLiability: LedgerAccount.isDefaultFiduciaryLiability)
        #expect(check.fiduciaryLiabilities == Money(cents: 160) && check.covered == Money(cents: 150))
        #expect(!check.holds && check.shortfall == Money(cents: 10))
    }
}
