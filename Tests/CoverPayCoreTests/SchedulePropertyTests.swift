import PropertyBased
import Testing
@testable import CoverPayCore

/// Random policies through random transaction histories; every step is checked against the
/// rules of DESIGN §4, recomputed here independently of the engine.
@Suite struct SchedulePropertyTests {
    @Test func randomPoliciesFollowTheScheduleRules() async {
        await ScheduleWalk.randomHistories { _, _ in }
    }

    @Test func referenceLargestRemainderMatchesTheWorkedExample() {
        #expect(ScheduleWalk.referenceShares(-1000, weights: [1, 1, 1]) == [-334, -333, -333])
        #expect(ScheduleWalk.referenceShares(10, weights: [31, 28, 31]) == [4, 3, 3])
    }
}

extension ScheduleWalk {
    /// Walks `count` random policy histories (every frequency and method, 1 to 10 items, any seed),
    /// checking the rules at every step, and hands each finished walk and its seed to `body`.
    static func randomHistories(count: Int = 300, _ body: @escaping (ScheduleWalk, UInt64) -> Void) async {
        await propertyCheck(
            count: count,
            input: Gen<BillingFrequency>.case, Gen<CalculationMethod>.case, Gen.int(in: 1...10), Gen.uint64()
        ) { frequency, method, itemCount, seed in
            var walk = ScheduleWalk(frequency: frequency, method: method, itemCount: itemCount, seed: seed)
            walk.run()
            body(walk, seed)
        }
    }
}

/// One random policy history and its checks.
struct ScheduleWalk {
    let frequency: BillingFrequency
    let method: CalculationMethod
    var rng: SplitMix64
    var schedule = PolicySchedule(policyID: "POL-P")
    var term: PolicyTerm
    var items: [ItemAmounts]
    /// Sum of all applied transactions per item ref and component.
    var expected: [String: [Int64]] = [:]
    var invalidated: Set<Int> = []
    var cancellationEntry: Int?
    var sequence = 1

    init(frequency: BillingFrequency, method: CalculationMethod, itemCount: Int, seed: UInt64) {
        self.frequency = frequency
        self.method = method
        rng = SplitMix64(state: seed)
        let start = Self.randomStart(&rng)
        term = try! PolicyTerm(start: start, end: Self.randomEnd(after: start, &rng))
        var generated: [ItemAmounts] = []
        for index in 0..<itemCount {
            let kind = ItemKind.allCases[index % 3]
            generated.append(ItemAmounts(
                item: PolicyItem(kind: kind, ref: "R\(index)", name: "Item \(index)"),
                amounts: Self.randomAmounts(&rng, allowNegative: false)
            ))
        }
        items = generated
    }

    static func randomStart(_ rng: inout SplitMix64) -> CalendarDate {
        let year = Int.random(in: 2024...2030, using: &rng)
        let month = Int.random(in: 1...12, using: &rng)
        switch Int.random(in: 0...4, using: &rng) {
        case 0, 1, 2: // the 29th to 31st, clamped to the month
            return CalendarDate(unchecked: year, month, min(Int.random(in: 29...31, using: &rng), CalendarDate.daysInMonth(year: year, month: month)))
        case 3:
            return CalendarDate(unchecked: [2024, 2028].randomElement(using: &rng)!, 2, 29)
        default:
            return CalendarDate(unchecked: year, month, Int.random(in: 1...28, using: &rng))
        }
    }

    static func randomEnd(after start: CalendarDate, _ rng: inout SplitMix64) -> CalendarDate {
        switch Int.random(in: 0...3, using: &rng) {
        case 0: start.addingMonths(12)
        case 1: start.adding(days: Int.random(in: 1...45, using: &rng))
        case 2: start.adding(days: Int.random(in: 1...800, using: &rng))
        default: start.addingMonths([6, 24, 36].randomElement(using: &rng)!)
        }
    }

    /// 0 … 1,000,000.00 per component, often small or zero to exercise leftover cents.
    static func randomAmounts(_ rng: inout SplitMix64, allowNegative: Bool) -> ComponentAmounts {
        func one() -> Money {
            let magnitude: Int64 = switch Int.random(in: 0...3, using: &rng) {
            case 0: 0
            case 1: Int64.random(in: 0...99, using: &rng)
            default: Int64.random(in: 0...100_000_000, using: &rng)
            }
            return Money(cents: allowNegative && Bool.random(using: &rng) ? -magnitude : magnitude)
        }
        return ComponentAmounts(premium: one(), fee: one(), tax: one())
    }

    mutating func run() {
        let issuance = PolicyTransaction(
            policyID: "POL-P", transactionID: "T1", sequence: 1, effectiveDate: term.start,
            kind: .issuance(PolicyIssuance(policyNumber: "P", state: "NY", lineOfBusiness: "home", term: term,
                                           billing: BillingPlan(frequency: frequency, method: method))),
            items: items
        )
        apply(issuance)
        checkIssuance()
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            step()
            checkInvariants()
        }
    }

    // MARK: steps

    mutating func step() {
        let open = schedule.entries.filter(\.isOpen).map(\.entryNumber)
        let paid = schedule.entries.filter(\.isPaid).map(\.entryNumber)
        switch (schedule.state, Int.random(in: 0...5, using: &rng)) {
        case (_, 0) where !open.isEmpty, (_, 1) where !open.isEmpty:
            for number in open.prefix(Int.random(in: 1...open.count, using: &rng)) { pay(number) }
        case (_, 2) where !paid.isEmpty:
            returnPayment(paid.randomElement(using: &rng)!)
        case (.active, 3), (.active, 4):
            endorse()
        case (.active, _):
            cancel()
        case (.cancelled, _):
            reinstate()
        default:
            break
        }
    }

    mutating func pay(_ number: Int) {
        let before = schedule
        #expect((try? schedule.markPaid(entryNumber: number))?.updatedEntryNumbers == [number])
        expectOnlyPaidFlagChanged(before, number, paid: true)
    }

    mutating func returnPayment(_ number: Int) {
        let before = schedule
        #expect((try? schedule.markUnpaid(entryNumber: number))?.updatedEntryNumbers == [number])
        expectOnlyPaidFlagChanged(before, number, paid: false)
    }

    mutating func endorse() {
        let effective = randomEffectiveDate()
        let changes = randomChanges()
        let before = schedule
        let change = apply(transaction(.endorsement, effective, changes))
        let targets = before.entries.filter { $0.isOpen && $0.scheduleDate >= effective }
            .sorted { ($0.scheduleDate, $0.entryNumber) < ($1.scheduleDate, $1.entryNumber) }
        if targets.isEmpty {
            let nonzero = changes.filter { !$0.amounts.isZero }
            #expect(change.createdEntryNumbers.count == (nonzero.isEmpty ? 0 : 1))
            if let entry = schedule.createdEntries(change).first {
                #expect(entry.transaction == .endorsement && entry.scheduleDate == effective && entry.isOpen)
                for item in nonzero { #expect(amounts(of: entry, ref: item.item.ref) == item.amounts) }
            }
            return
        }
        #expect(change.createdEntryNumbers.isEmpty)
        let weights = targets.map { target in
            target.scheduleDate.days(until: planDates.first { $0 > target.scheduleDate } ?? term.end)
        }
        for item in changes {
            for component in 0..<3 {
                let deltas = targets.map { target in
                    cents(of: schedule.entry(number: target.entryNumber)!, ref: item.item.ref, component)
                        - cents(of: target, ref: item.item.ref, component)
                }
                let amount = item.amounts[component].cents
                let reference = Self.referenceShares(amount, weights: method == .modal ? targets.map { _ in 1 } : weights)
                #expect(deltas == reference, "endorsement \(item.item.ref)[\(component)] \(amount) over \(targets.map(\.entryNumber))")
                if method == .modal, let most = deltas.map(\.magnitude).max(), let least = deltas.map(\.magnitude).min() {
                    #expect(most - least <= 1)
                }
            }
        }
        let untouched = before.entries.filter { entry in !targets.contains { $0.entryNumber == entry.entryNumber } }
        for entry in untouched { #expect(schedule.entry(number: entry.entryNumber) == entry) }
    }

    mutating func cancel() {
        let effective = randomEffectiveDate()
        let changes = randomChanges()
        let before = schedule
        let open = before.entries.filter(\.isOpen)
        let change = apply(transaction(.cancellation(reason: .insuredRequest), effective, changes))
        for entry in open {
            #expect(schedule.entry(number: entry.entryNumber)?.status == .invalid)
            invalidated.insert(entry.entryNumber)
        }
        let created = schedule.createdEntries(change)
        let consolidatesNothing = open.isEmpty && changes.allSatisfy(\.amounts.isZero)
        #expect(created.count == (consolidatesNothing ? 0 : 1))
        cancellationEntry = created.first?.entryNumber
        if let entry = created.first {
            #expect(entry.transaction == .cancellation && entry.scheduleDate == effective && entry.isOpen)
            expectConsolidation(entry, of: open, plus: changes)
            #expect(change.refundOwed == (entry.total.isNegative ? -entry.total : nil))
        }
        #expect(schedule.state == .cancelled)
    }

    mutating func reinstate() {
        let effective = randomEffectiveDate()
        let changes = randomChanges()
        let before = schedule
        let consolidated = cancellationEntry.flatMap { before.entry(number: $0) }.map { $0.isOpen ? [$0] : [] } ?? []
        let change = apply(transaction(.reinstatement, effective, changes))
        for entry in consolidated {
            #expect(schedule.entry(number: entry.entryNumber)?.status == .invalid)
            invalidated.insert(entry.entryNumber)
        }
        if let number = cancellationEntry, consolidated.isEmpty {
            #expect(schedule.entry(number: number) == before.entry(number: number))
        }
        let created = schedule.createdEntries(change)
        #expect(created.count == (consolidated.isEmpty && changes.allSatisfy(\.amounts.isZero) ? 0 : 1))
        if let entry = created.first {
            #expect(entry.transaction == .reinstatement && entry.scheduleDate == effective && entry.isOpen)
            expectConsolidation(entry, of: consolidated, plus: changes)
        }
        cancellationEntry = nil
        #expect(schedule.state == .active)
    }

    // MARK: checks

    func checkIssuance() {
        var dates: [CalendarDate] = []
        while case let date = term.start.addingMonths(dates.count * frequency.monthsPerPeriod), date < term.end {
            dates.append(date)
        }
        #expect(schedule.entries.map(\.scheduleDate) == dates)
        #expect(schedule.entries.allSatisfy { $0.transaction == .issuance && $0.isOpen })
        let weights = dates.indices.map { k in dates[k].days(until: k + 1 < dates.count ? dates[k + 1] : term.end) }
        for item in items {
            for component in 0..<3 {
                let shares = schedule.entries.map { cents(of: $0, ref: item.item.ref, component) }
                let amount = item.amounts[component].cents
                if method == .modal {
                    #expect(shares == Self.referenceShares(amount, weights: weights.map { _ in 1 }))
                    #expect(shares.max()! - shares.min()! <= 1)
                    #expect(shares == shares.sorted(by: >), "leftover cents go to the earliest entries")
                } else {
                    #expect(shares == Self.referenceShares(amount, weights: weights))
                }
            }
        }
        checkInvariants()
    }

    func checkInvariants() {
        #expect(schedule.entries.map(\.entryNumber) == Array(1...max(schedule.entries.count, 1)).prefix(schedule.entries.count).map { $0 })
        #expect(Set(schedule.entries.filter { $0.status == .invalid }.map(\.entryNumber)) == invalidated)
        #expect(schedule.entries.allSatisfy { $0.status == .valid || !$0.isPaid })
        for (ref, totals) in expected {
            for component in 0..<3 {
                let sum = schedule.entries.filter { $0.status == .valid }.reduce(Int64(0)) { $0 + cents(of: $1, ref: ref, component) }
                #expect(sum == totals[component], "Valid entries of \(ref)[\(component)] sum to all transactions")
            }
        }
    }

    func expectConsolidation(_ entry: ScheduleEntry, of consolidated: [ScheduleEntry], plus changes: [ItemAmounts]) {
        for ref in expected.keys {
            let sum = consolidated.reduce(ComponentAmounts.zero) { $0 + amounts(of: $1, ref: ref) }
                + (changes.first { $0.item.ref == ref }?.amounts ?? .zero)
            #expect(amounts(of: entry, ref: ref) == sum)
        }
    }

    func expectOnlyPaidFlagChanged(_ before: PolicySchedule, _ number: Int, paid: Bool) {
        for (old, new) in zip(before.entries, schedule.entries) {
            #expect(new.isPaid == (old.entryNumber == number ? paid : old.isPaid))
            #expect((new.status, new.details, new.scheduleDate) == (old.status, old.details, old.scheduleDate))
        }
    }

    // MARK: helpers

    var planDates: [CalendarDate] { schedule.planDates }

    mutating func randomEffectiveDate() -> CalendarDate {
        term.start.adding(days: Int.random(in: 0..<term.days, using: &rng))
    }

    /// Signed changes for a random subset of the items, sometimes a new item, sometimes all zero.
    mutating func randomChanges() -> [ItemAmounts] {
        var changes = items.filter { _ in Bool.random(using: &rng) }.map {
            ItemAmounts(item: $0.item, amounts: Self.randomAmounts(&rng, allowNegative: true))
        }
        if Int.random(in: 0...4, using: &rng) == 0 {
            let item = PolicyItem(kind: .participant, ref: "NEW\(sequence)", name: "Added driver")
            changes.append(ItemAmounts(item: item, amounts: Self.randomAmounts(&rng, allowNegative: true)))
            items.append(ItemAmounts(item: item, amounts: .zero))
        }
        return changes
    }

    mutating func transaction(_ kind: PolicyTransaction.Kind, _ effective: CalendarDate, _ changes: [ItemAmounts]) -> PolicyTransaction {
        sequence += 1
        return PolicyTransaction(policyID: "POL-P", transactionID: "T\(sequence)", sequence: sequence,
                                 effectiveDate: effective, kind: kind, items: changes)
    }

    @discardableResult
    mutating func apply(_ transaction: PolicyTransaction) -> ScheduleChange {
        do {
            let change = try schedule.apply(transaction)
            for item in transaction.items {
                var totals = expected[item.item.ref] ?? [0, 0, 0]
                for component in 0..<3 { totals[component] += item.amounts[component].cents }
                expected[item.item.ref] = totals
            }
            return change
        } catch {
            Issue.record("valid transaction refused: \(error)")
            return ScheduleChange()
        }
    }

    func amounts(of entry: ScheduleEntry, ref: String) -> ComponentAmounts {
        entry.details.first { schedule.items[$0.itemIndex].ref == ref }?.amounts ?? .zero
    }

    func cents(of entry: ScheduleEntry, ref: String, _ component: Int) -> Int64 {
        amounts(of: entry, ref: ref)[component].cents
    }

    /// Largest remainder, written independently of the engine with 128-bit arithmetic: modal is
    /// the equal-weights case (all remainders tie, so the earliest get the leftover cents).
    static func referenceShares(_ amount: Int64, weights: [Int]) -> [Int64] {
        let total = Int128(weights.reduce(0, +))
        let magnitude = Int128(amount.magnitude)
        var shares = weights.map { magnitude * Int128($0) / total }
        let remainders = weights.map { magnitude * Int128($0) % total }
        let leftover = Int(magnitude - shares.reduce(0, +))
        let order = weights.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
        for index in order.prefix(leftover) { shares[index] += 1 }
        return shares.map { Int64(amount < 0 ? -$0 : $0) }
    }
}
