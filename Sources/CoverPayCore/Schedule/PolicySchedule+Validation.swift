extension PolicySchedule {
    /// Every check happens before any change, so a refused transaction leaves the schedule as it was.
    func validate(_ transaction: PolicyTransaction) throws(ScheduleError) {
        try Self.checkDistinctItems(transaction.items)
        let type = transaction.kind.transactionKind.rawValue
        let term: PolicyTerm
        switch transaction.kind {
        case .issuance(let issuance):
            guard state == .awaitingIssuance else {
                throw ScheduleError(.alreadyIssued, "policy '\(policyID)' is already issued; issuance transaction '\(transaction.transactionID)' refused")
            }
            guard !transaction.items.isEmpty else {
                throw ScheduleError(.missingItems, "items: an issuance needs at least one coverage, asset or participant")
            }
            term = issuance.term
        case .endorsement, .cancellation, .reinstatement:
            guard let issuance else {
                throw ScheduleError(.unknownPolicy, "policy '\(policyID)' has not been issued; \(type) transaction '\(transaction.transactionID)' refused")
            }
            if case .reinstatement = transaction.kind {
                guard state == .cancelled else {
                    throw ScheduleError(.notCancelled, "policy '\(policyID)' is not cancelled; reinstatement '\(transaction.transactionID)' refused")
                }
            } else if state == .cancelled {
                throw ScheduleError(.policyCancelled, "policy '\(policyID)' is cancelled; only a reinstatement may follow, \(type) '\(transaction.transactionID)' refused")
            }
            term = issuance.term
        }
        guard term.contains(transaction.effectiveDate) else {
            throw ScheduleError(
                .effectiveDateOutsideTerm,
                "effective_date \(transaction.effectiveDate) is outside the term [\(term.start), \(term.end))"
            )
        }
    }

    private static func checkDistinctItems(_ items: [ItemAmounts]) throws(ScheduleError) {
        for index in items.indices {
            for earlier in 0..<index where items[earlier].item.kind == items[index].item.kind && items[earlier].item.ref == items[index].item.ref {
                let item = items[index].item
                throw ScheduleError(.duplicateItem, "items[\(index)]: \(item.kind.rawValue) '\(item.ref)' appears twice in one transaction")
            }
        }
    }

    /// Adds the transaction's amounts to the running totals (registering new items) and returns
    /// them keyed by item index.
    mutating func register(_ incoming: [ItemAmounts]) -> [IndexedAmounts] {
        items.reserveCapacity(items.count + incoming.count)
        transactionTotals.reserveCapacity(items.count + incoming.count)
        var indexed: [IndexedAmounts] = []
        indexed.reserveCapacity(incoming.count)
        for position in incoming.indices {
            let amounts = incoming[position].amounts
            // By index and field, so that no item (three strings) is copied to be compared.
            var found: Int?
            for index in items.indices where items[index].kind == incoming[position].item.kind && items[index].ref == incoming[position].item.ref {
                found = index
                break
            }
            if let index = found {
                transactionTotals[index] += amounts
                indexed.append(IndexedAmounts(itemIndex: index, amounts: amounts))
            } else {
                items.append(incoming[position].item)
                transactionTotals.append(amounts)
                indexed.append(IndexedAmounts(itemIndex: items.count - 1, amounts: amounts))
            }
        }
        return indexed
    }
}

/// A transaction's amounts for the item at `itemIndex` of `PolicySchedule.items`.
struct IndexedAmounts {
    let itemIndex: Int
    let amounts: ComponentAmounts
}
