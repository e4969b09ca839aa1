extension PolicySchedule {
    /// One entry per plan date; every item and component split by the policy's method.
    mutating func issue(_ issuance: PolicyIssuance, items: [IndexedAmounts], change: inout ScheduleChange) {
        self.issuance = issuance
        state = .active
        planDates = issuance.term.planDates(issuance.billing.frequency)
        let dates = planDates
        let count = dates.count
        let components = ComponentAmounts.componentCount
        let end = issuance.term.end
        let daily = issuance.billing.method == .daily
        // Entry k covers [d_k, d_{k+1}), the last one ending at the term end (weights are asked
        // for in order, so each date's day number is worked out once).
        var previousDay = dates.first?.daysSinceEpoch ?? 0
        Self.withWeights(count: count, daily: daily, weight: { k in
            let nextDay = (k + 1 < count ? dates[k + 1] : end).daysSinceEpoch
            defer { previousDay = nextDay }
            return Int64(nextDay - previousDay)
        }) { weights in
            // shares[(item × 3 + component) × count + k]: one flat buffer on the stack.
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: items.count * components * count) { shares in
                for (position, item) in items.enumerated() {
                    for component in 0..<components {
                        let start = (position * components + component) * count
                        Apportionment.split(
                            item.amounts[component].cents, weights: weights,
                            into: UnsafeMutableBufferPointer(rebasing: shares[start..<start + count])
                        )
                    }
                }
                entries.reserveCapacity(entries.count + count)
                for k in 0..<count {
                    var details: [EntryDetail] = []
                    details.reserveCapacity(items.count)
                    for (position, item) in items.enumerated() {
                        let base = position * components * count + k
                        details.append(EntryDetail(itemIndex: item.itemIndex, amounts: ComponentAmounts(
                            premium: Money(cents: shares[base]),
                            fee: Money(cents: shares[base + count]),
                            tax: Money(cents: shares[base + 2 * count])
                        )))
                    }
                    createEntry(date: dates[k], transaction: .issuance, details: details, change: &change)
                }
            }
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

        let count = targets.count
        let dates = targets.map { entries[$0].scheduleDate }
        let boundaries = planDates
        let end = issuance!.term.end
        Self.withWeights(count: count, daily: issuance?.billing.method == .daily, weight: { position in
            // Days until the next plan date after the entry's date, or until the term end.
            Int64(dates[position].days(until: boundaries.first { $0 > dates[position] } ?? end))
        }) { weights in
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: ComponentAmounts.componentCount * count) { shares in
                for item in items where !item.amounts.isZero {
                    for component in 0..<ComponentAmounts.componentCount {
                        let start = component * count
                        Apportionment.split(
                            item.amounts[component].cents, weights: weights,
                            into: UnsafeMutableBufferPointer(rebasing: shares[start..<start + count])
                        )
                    }
                    for (position, index) in targets.enumerated() {
                        let share = ComponentAmounts(
                            premium: Money(cents: shares[position]),
                            fee: Money(cents: shares[count + position]),
                            tax: Money(cents: shares[2 * count + position])
                        )
                        guard !share.isZero else { continue }
                        entries[index].add(share, forItem: item.itemIndex)
                        change.recordUpdate(entries[index].entryNumber)
                    }
                }
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
        let entryNumber = entries.count + 1
        var amounts = ComponentAmounts.zero
        for detail in details { amounts += detail.amounts }
        entries.append(ScheduleEntry(entryNumber: entryNumber, scheduleDate: date, transaction: transaction, details: details))
        change.recordCreation(entryNumber)
        if amounts.total.isNegative { change.refundOwed = (change.refundOwed ?? .zero) - amounts.total }
        return entryNumber
    }

    /// Runs `body` with the daily weights `weight(0) … weight(count - 1)` (asked for in that
    /// order) in a stack buffer, or with nil for the modal method.
    private static func withWeights<Result>(
        count: Int, daily: Bool, weight: (Int) -> Int64, _ body: (Apportionment.Weights?) -> Result
    ) -> Result {
        guard daily else { return body(nil) }
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: count) { buffer in
            var total: Int64 = 0
            for position in 0..<count {
                let value = weight(position)
                buffer.initializeElement(at: position, to: value)
                total += value
            }
            return body(Apportionment.Weights(values: UnsafeBufferPointer(buffer), total: UInt64(total)))
        }
    }
}
