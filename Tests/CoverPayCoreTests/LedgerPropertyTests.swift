import PropertyBased
import Testing
@testable import CoverPayCore

/// Random event sequences per policy (collect, settle, return, chargeback, unapplied cash, refund,
/// cancel, return fee assessed / waived / written off, remit, sweep, in random order) posted through the rules into an in-memory
/// journal that does what accounting-sync does with them; the ledger's invariants are checked after
/// every step, with the expected income recomputed from the payments' states independently.
@Suite struct LedgerPropertyTests {
    @Test func randomEventSequencesKeepTheLedgerSound() async {
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.int(in: 1...60)) { seed, steps in
            var walk = LedgerWalk(seed: seed)
            for _ in 0..<steps { walk.step() }
        }
    }
}

struct LedgerWalk {
    struct Payment {
        var posted: CollectedPayment
        var entryIDs: [Int64] = []
        var status = "collected"
        var unapplied = false
        }

    var rng: SplitMix64
    var journal: [(id: Int64, draft: JournalEntryDraft)] = []
    var payments: [Payment] = []
    /// Return fees: `assessed` until a payment collects them (`collected` by that payment's index)
    /// or they are waived or written off.
    var fees: [(amount: Money, status: String, payment: Int?)] = []
    var appliedIncome = Money.zero
    var terms: PolicyTerms
    /// The steps taken, for the failure message.
    var history: [String] = []

    init(seed: UInt64) {
        rng = SplitMix64(state: seed)
        let rate = ["0", "0.1", "0.125", "0.15", "0.333333", "1"].randomElement(using: &rng)!
        terms = PolicyTerms(carrierID: ["ACME", "ZEN"].randomElement(using: &rng)!, commissionRate: try! CommissionRate(parsing: rate))
    }

    var balances: [String: Money] {
        var result: [String: Money] = [:]
        for (_, entry) in journal { for line in entry.lines { result[line.account, default: .zero] += line.net } }
        return result
    }

    mutating func money(_ range: ClosedRange<Int64>) -> Money { Money(cents: Int64.random(in: range, using: &rng)) }

    mutating func post(_ drafts: [JournalEntryDraft], payment: Int? = nil) {
        for draft in drafts where !draft.isEmpty {
            #expect(draft.isBalanced, "unbalanced \(draft.rule) \(draft.leg)")
            history.append("\(draft.rule)/\(draft.leg)")
            let id = Int64(journal.count + 1)
            journal.append((id, draft))
            if let payment { payments[payment].entryIDs.append(id) }
        }
    }

    mutating func step() {
        switch Int.random(in: 0..<13, using: &rng) {
        case 0, 1: collect()
        case 11: assessFee()
        case 12: releaseFee()
        case 2, 3: settle()
        case 4: returnPayment()
        case 5: unapply()
        case 6: receiveAndApply()
        case 7: refund()
        case 8: remit()
        case 9: sweep()
        default: break // write-off of an installment without fees: nothing was posted for it
        }
        check()
    }

    mutating func collect() {
        let split = InstallmentSplit(premium: money(1...200_000), fee: money(0...1_000), tax: money(0...5_000))
        let surcharge = money(0...300)
        let rail: PaymentRail = Bool.random(using: &rng) ? .card : .ach
        let due = fees.indices.filter { fees[$0].status == "assessed" }
        let paysFees = Bool.random(using: &rng)
        let returnFees = paysFees ? due.reduce(Money.zero) { $0 + fees[$1].amount } : .zero
        let (posted, entry) = try! PostingRules.collected(
            split: split, surcharge: surcharge, total: split.total + surcharge + returnFees, rail: rail, terms: terms, returnFeesDue: returnFees, memo: "collect"
        )
        payments.append(Payment(posted: posted))
        post([entry], payment: payments.count - 1)
        if paysFees { for index in due { fees[index] = (fees[index].amount, "collected", payments.count - 1) } }
    }

    mutating func assessFee() {
        let amount = money(100...3_000)
        post([try! PostingRules.feeAssessed(amount, memo: "assessed")])
        fees.append((amount, "assessed", nil))
    }

    /// A waiver or a write-off of the entry: releases an assessed, unpaid fee.
    mutating func releaseFee() {
        guard let index = fees.indices.filter({ fees[$0].status == "assessed" }).randomElement(using: &rng) else { return }
        let release: PostingRules.FeeRelease = Bool.random(using: &rng) ? .waived : .writtenOff
        post([try! PostingRules.feeReleased(fees[index].amount, feeID: "fee-\(index)", release, memo: "released")])
        fees[index].status = release.rawValue
    }

    mutating func pick(_ statuses: Set<String>) -> Int? {
        let candidates = payments.indices.filter { statuses.contains(payments[$0].status) }
        return candidates.randomElement(using: &rng)
    }

    mutating func settle() {
        guard let index = pick(["collected"]) else { return }
        var recognisable = payments[index].posted
        if payments[index].unapplied { (recognisable.commission, recognisable.fees, recognisable.returnFees) = (.zero, .zero, .zero) }
        let fee = min(money(0...400), recognisable.total)
        post(try! PostingRules.settled(recognisable, net: recognisable.total - fee, processorFee: fee, memo: "settle"), payment: index)
        payments[index].status = "settled"
    }

    /// A late ACH return or a chargeback: reverses the payment's entries, then sweeps back if needed.
    mutating func returnPayment() {
        guard let index = pick(["collected", "settled"]) else { return }
        let ids = Set(payments[index].entryIDs)
        let standing = journal.filter { ids.contains($0.id) }.map { PostedEntry(entryID: $0.id, lines: $0.draft.lines) }
        post(PostingRules.returned(standing, memo: "return"))
        payments[index].status = "returned"
        for fee in fees.indices where fees[fee].payment == index { fees[fee] = (fees[fee].amount, "assessed", nil) }
        // Exactly reversed: the payment's entries and their reversals net to zero on every account.
        var net: [String: Money] = [:]
        for (id, entry) in journal where ids.contains(id) || entry.reversesEntryID.map(ids.contains) == true {
            for line in entry.lines { net[line.account, default: .zero] += line.net }
        }
        #expect(net.values.allSatisfy { $0.isZero }, "reversal left \(net)")
        sweepBackIfNeeded()
        let overdrawn = (balances[LedgerAccount.unappliedCash] ?? .zero) - journal.filter { $0.draft.rule == "trust_cover" }.reduce(Money.zero) { $0 + $1.draft.totalDebit }
        if overdrawn > .zero { post([try! PostingRules.trustCover(overdrawn, memo: "cover")]) }
    }

    /// Income taken back after it was swept is paid back into trust by operating cash at once.
    mutating func sweepBackIfNeeded() {
        let swept = sweepable()
        if swept.isNegative { post([try! PostingRules.sweep(swept, leg: "sweep_back", memo: "sweep back")]) }
    }

    mutating func unapply() {
        guard let index = pick(["collected", "settled"]), !payments[index].unapplied else { return }
        post([try! PostingRules.unapplied(payments[index].posted, recognised: payments[index].status == "settled", memo: "unapplied")], payment: index)
        payments[index].unapplied = true
        sweepBackIfNeeded()
    }

    mutating func receiveAndApply() {
        post([try! PostingRules.received(money(1...100_000), memo: "received")])
        let available = balances[LedgerAccount.unappliedCash].map { -$0 } ?? .zero
        let split = InstallmentSplit(premium: money(1...50_000), fee: money(0...500), tax: money(0...2_000))
        guard split.total <= available else { return }
        post([try! PostingRules.applied(split: split, terms: terms, memo: "applied")])
        appliedIncome += terms.commissionRate.commission(on: split.premium) + split.fee
    }

    /// A cancellation's refund (from the carrier's payable) or unapplied cash refunded, then maybe paid.
    mutating func refund() {
        let unapplied = balances[LedgerAccount.unappliedCash].map { -$0 } ?? .zero
        if unapplied > .zero, Bool.random(using: &rng) {
            post([try! PostingRules.refundOwed(unapplied, from: .unappliedCash, memo: "refund unapplied")])
        } else {
            post([try! PostingRules.refundOwed(money(1...20_000), from: .carrier(terms.carrierID), memo: "cancel")])
        }
        let owed = balances[LedgerAccount.refundsPayable].map { -$0 } ?? .zero
        if owed > .zero, Bool.random(using: &rng) { post([try! PostingRules.refundPaid(owed, memo: "paid")]) }
    }

    mutating func remit() {
        let payable = -(balances[LedgerAccount.carrierPayable(terms.carrierID)] ?? .zero)
        let unsettled = payments.filter { $0.status == "collected" && !$0.unapplied }.reduce(Money.zero) { $0 + $1.posted.carrierNet }
        let amount = payable - unsettled
        guard amount > .zero else { return }
        post([try! PostingRules.remittance(carrierID: terms.carrierID, amount: amount, memo: "remit")])
    }

    func sweepable() -> Money {
        let earned = LedgerAccount.income.reduce(Money.zero) { $0 - (balances[$1] ?? .zero) }
        let swept = journal.filter { $0.draft.rule == "commission_sweep" }.flatMap(\.draft.lines).filter { $0.account == LedgerAccount.operatingCash }.reduce(Money.zero) { $0 + $1.net }
        return earned - swept
    }

    mutating func sweep() {
        let amount = sweepable()
        guard amount > .zero else { return }
        post([try! PostingRules.sweep(amount, leg: "sweep", memo: "sweep")])
    }

    func check() {
        let balances = balances
        // The trial balance nets to zero.
        #expect(balances.values.reduce(Money.zero, +) == .zero)
        // Income only after finality: exactly the commission and fees of settled, still-applied payments.
        let expectedIncome = payments.filter { $0.status == "settled" && !$0.unapplied }
            .reduce(appliedIncome) { $0 + $1.posted.commission + $1.posted.fees + $1.posted.returnFees }
        let income = LedgerAccount.income.reduce(Money.zero) { $0 - (balances[$1] ?? .zero) }
        #expect(income == expectedIncome, "income \(income), expected \(expectedIncome)")
        // Return fees: the receivable is exactly the fees assessed and unpaid; fees pending finality
        // are those plus the fees of collected payments not yet final (nor become unapplied cash).
        let assessed = fees.filter { $0.status == "assessed" }.reduce(Money.zero) { $0 + $1.amount }
        #expect((balances[LedgerAccount.returnFeesReceivable] ?? .zero) == assessed, "receivable vs assessed \(assessed) after \(history)")
        let pending = payments.filter { $0.status == "collected" && !$0.unapplied }.reduce(assessed) { $0 + $1.posted.fees + $1.posted.returnFees }
        #expect(-(balances[LedgerAccount.feesPending] ?? .zero) == pending, "fees pending vs \(pending) after \(history)")
        // The trust invariant.
        let trust = TrustCheck(balances: balances, isFiduciaryLiability: LedgerAccount.isDefaultFiduciaryLiability)
        #expect(trust.holds, "trust short by \(trust.shortfall) after \(history)")
    }
}
