extension PolicySchedule {
    /// One entry per plan date; every item and component split by the policy's method.
    mutating func issue(_ issuance: PolicyIssuance, items: [IndexedAmounts], change: inout ScheduleChange) {
        self.issuance = issuance
        state = .active
        planDates = issuance.term.planDates(issuance.billing.frequency)
        let count = planDates.count
        let weights = issuance.billing.method == .daily ? dailyWeights(of: planDates) : []

        // shares[(item × 3 + component) × count + k]: one flat buffer, no per-entry dictionaries.
        var shares: [Int64] = []
        shares.reserveCapacity(items.count * ComponentAmounts.componentCount * count)
        for item in items {
            for component in 0..<ComponentAmounts.componentCount {
                split(item.amounts[component].cents, count: count, weights: weights, into: &shares)
            }
        }

        entries.reserveCapacity(entries.count + count)
        for (k, date) in planDates.enumerated() {
            let details = items.indices.map { index in
                let base = index * ComponentAmounts.componentCount * count + k
                return EntryDetail(itemIndex: items[index].itemIndex, amounts: ComponentAmounts(
                    premium: Money(cents: shares[base]),
                    fee: Money(cents: shares[base + count]),
                    tax: Money(cents: shares[base + 2 * count])
                ))
            }
            createEntry(date: date, transaction: .issuance, details: details, change: &change)
        }
    }

    /// Spreads each item's change over the unpaid Valid entries dated on or after the effective
    /// date; with none, a new endorsement entry at the effective date carries the change.
    mutating func endorse(_ items: [IndexedAmounts], effective: CalendarDate, change: inout ScheduleChange) {
        let targets = entries.indices
            .filter { entries[$0].isOpen && entries[$0].scheduleDate >= effective }
            .sorted { (entries[$0].scheduleDate, $0) < (entries[$1].scheduleDate, $1) }
        guard !targets.isEmpty else {
            let details = items.filter { !$0.amounts.isZero }.map { EntryDetail(itemIndex: $0.itemIndex, amounts: $0.amounts) }
            if !details.isEmpty { createEntry(date: effective, transaction: .endorsement, details: details, change: &change) }
            return
        }

        let weights = issuance?.billing.method == .daily
            ? targets.map { Int64(entries[$0].scheduleDate.days(until: nextPlanBoundary(after: entries[$0].scheduleDate))) }
            : []
        var shares: [Int64] = []
        for item in items where !item.amounts.isZero {
            shares.removeAll(keepingCapacity: true)
            for component in 0..<ComponentAmounts.componentCount {
                split(item.amounts[component].cents, count: targets.count, weights: weights, into: &shares)
            }
            for (position, index) in targets.enumerated() {
                let share = ComponentAmounts(
                    premium: Money(cents: shares[position]),
                    fee: Money(cents: shares[targets.count + position]),
                    tax: Money(cents: shares[2 * targets.count + position])
                )
                guard !share.isZero else { continue }
                entries[index].add(share, forItem: item.itemIndex)
                change.recordUpdate(entries[index].entryNumber)
            }
        }
    }

    /// Every unpaid Valid entry becomes Invalid and one Valid cancellation entry at the effective
    /// date carries their sum plus the cancellation's changes.
    mutating func cancel(_ items: [IndexedAmounts], effective: CalendarDate, change: inout ScheduleChange) {
        let open = entries.indices.filter { entries[$0].isOpen }
        cancellationEntryNumber = consolidate(open, plus: items, into: .cancellation, date: effective, change: &change)
        state = .cancelled
    }

    /// An unpaid cancellation entry becomes Invalid and is consolidated, with the reinstatement's
    /// changes, into one "Reinstatement by payment schedule" entry; a paid one stays and the new
    /// entry carries the changes alone.
    mutating func reinstate(_ items: [IndexedAmounts], effective: CalendarDate, change: inout ScheduleChange) {
        let open = cancellationEntryNumber.map { [$0 - 1] }?.filter { entries[$0].isOpen } ?? []
        consolidate(open, plus: items, into: .reinstatement, date: effective, change: &change)
        cancellationEntryNumber = nil
        state = .active
    }

    /// Invalidates `indices` and creates one entry with their amounts plus `items`; creates none
    /// when it would consolidate nothing and every change is zero. Returns the new entry's number.
    @discardableResult
    private mutating func consolidate(
        _ indices: [Int], plus items: [IndexedAmounts], into transaction: TransactionKind, date: CalendarDate,
        change: inout ScheduleChange
    ) -> Int? {
        guard !indices.isEmpty || items.contains(where: { !$0.amounts.isZero }) else { return nil }
        // One slot per known item, so the details come out in the policy's item order.
        var sums = [ComponentAmounts?](repeating: nil, count: transactionTotals.count)
        var withdrawn = Money.zero
        for index in indices {
            for detail in entries[index].details {
                sums[detail.itemIndex] = (sums[detail.itemIndex] ?? .zero) + detail.amounts
            }
            if entries[index].total.isNegative { withdrawn -= entries[index].total }
            entries[index].status = .invalid
            change.recordUpdate(entries[index].entryNumber)
        }
        for item in items where !item.amounts.isZero {
            sums[item.itemIndex] = (sums[item.itemIndex] ?? .zero) + item.amounts
        }
        if !withdrawn.isZero { change.refundWithdrawn = withdrawn }
        let details = sums.enumerated().compactMap { index, sum in
            sum.map { EntryDetail(itemIndex: index, amounts: $0) }
        }
        return createEntry(date: date, transaction: transaction, details: details, change: &change)
    }

    @discardableResult
    private mutating func createEntry(
        date: CalendarDate, transaction: TransactionKind, details: [EntryDetail], change: inout ScheduleChange
    ) -> Int {
        let entry = ScheduleEntry(entryNumber: entries.count + 1, scheduleDate: date, transaction: transaction, details: details)
        entries.append(entry)
        change.recordCreation(entry.entryNumber)
        if entry.total.isNegative { change.refundOwed = (change.refundOwed ?? .zero) - entry.total }
        return entry.entryNumber
    }

    /// Daily weight of a date: days until the next plan date after it, or until the term end.
    private func nextPlanBoundary(after date: CalendarDate) -> CalendarDate {
        planDates.first { $0 > date } ?? issuance!.term.end
    }

    /// Days covered by each plan date: `[d_k, d_{k+1})`, the last one ending at the term end.
    private func dailyWeights(of dates: [CalendarDate]) -> [Int64] {
        dates.indices.map { k in
            let next = k + 1 < dates.count ? dates[k + 1] : issuance!.term.end
            return Int64(dates[k].days(until: next))
        }
    }

    /// Modal when `weights` is empty, daily (largest remainder) otherwise.
    private func split(_ cents: Int64, count: Int, weights: [Int64], into shares: inout [Int64]) {
        if weights.isEmpty {
            Apportionment.appendModal(cents, count: count, to: &shares)
        } else {
            Apportionment.appendWeighted(cents, weights: weights, to: &shares)
        }
    }
}
