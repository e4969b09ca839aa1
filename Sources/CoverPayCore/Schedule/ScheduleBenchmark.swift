import Foundation

/// Engine throughput: issues one-year schedules of 12 monthly entries × 3 items, alternating the
/// modal and daily methods, for about `seconds`.
public enum ScheduleBenchmark {
    public static func run(seconds: Double) -> (schedules: Int, elapsed: Double) {
        let transactions = [CalculationMethod.modal, .daily].map(issuance)
        let clock = ContinuousClock()
        let start = clock.now
        let limit = Duration.milliseconds(Int64(seconds * 1000))
        var schedules = 0
        var checksum: Int64 = 0
        while clock.now - start < limit {
            for _ in 0..<256 {
                var schedule = PolicySchedule(policyID: "POL-BENCH")
                // The fixed transactions are valid by construction.
                let change = try! schedule.apply(transactions[schedules & 1])
                checksum &+= schedule.entries[change.createdEntryNumbers.upperBound - 2].total.cents
                schedules += 1
            }
        }
        let elapsed = clock.now - start
        precondition(checksum != 0, "the benchmark must observe its results")
        return (schedules, elapsed / .seconds(1))
    }

    /// Microseconds per operation of storing the benchmark's schedule (12 monthly entries × 3 items,
    /// one entry paid) and reading it back: `storageText` and `init(storageText:)` (a `JSONValue`
    /// tree, serialised and parsed by the project's one JSON parser; the parse alone is printed
    /// too) against the `JSONEncoder` / `JSONDecoder` round the scheduler used first, each for
    /// about `seconds`.
    public static func storage(seconds: Double) -> [(operation: String, microseconds: Double)] {
        var schedule = PolicySchedule(policyID: "POL-BENCH")
        try! schedule.apply(issuance(.daily))
        try! schedule.markPaid(entryNumber: 1)
        let text = schedule.storageText
        let legacy = String(decoding: try! JSONEncoder().encode(schedule), as: UTF8.self)
        precondition((try? PolicySchedule(storageText: text)) == schedule, "the storage form must read back equal")
        func measure(_ operation: () -> Int) -> Double {
            let clock = ContinuousClock()
            let start = clock.now
            let limit = Duration.milliseconds(Int64(seconds * 1000))
            var count = 0
            var checksum = 0
            while clock.now - start < limit {
                for _ in 0..<64 { checksum &+= operation() }
                count += 64
            }
            precondition(checksum != 0, "the benchmark must observe its results")
            return (clock.now - start) / .microseconds(1) / Double(count)
        }
        return [
            ("storageText (\(text.utf8.count) bytes)", measure { schedule.storageText.utf8.count }),
            ("JSONEncoder (\(legacy.utf8.count) bytes)", measure { String(decoding: try! JSONEncoder().encode(schedule), as: UTF8.self).utf8.count }),
            ("init(storageText:)", measure { try! PolicySchedule(storageText: text).entries.count }),
            ("JSONDecoder", measure { try! JSONDecoder().decode(PolicySchedule.self, from: Data(legacy.utf8)).entries.count }),
            ("JSONValue.parse(storageText) alone", measure { if case .object(let members) = try! JSONValue.parse(text.utf8) { members.count } else { 0 } }),
        ]
    }

    private static func issuance(_ method: CalculationMethod) -> PolicyTransaction {
        let start = CalendarDate(unchecked: 2026, 1, 31)
        let items = [("coverage", "COV-BI", "Bodily injury", 120_000), ("asset", "VEH-1", "2022 Civic", 45_099), ("participant", "DRV-1", "Pat Doe", 9_901)]
            .map { kind, ref, name, cents in
                ItemAmounts(
                    item: PolicyItem(kind: ItemKind(rawValue: kind)!, ref: ref, name: name),
                    amounts: ComponentAmounts(premium: Money(cents: Int64(cents)), fee: Money(cents: 1_200), tax: Money(cents: Int64(cents / 20)))
                )
            }
        return PolicyTransaction(
            policyID: "POL-BENCH", transactionID: "TX-1", sequence: 1, effectiveDate: start,
            kind: .issuance(PolicyIssuance(
                policyNumber: "P-1", state: "CA", lineOfBusiness: "auto",
                term: try! PolicyTerm(start: start, end: start.addingMonths(12)),
                billing: BillingPlan(frequency: .monthly, method: method)
            )),
            items: items
        )
    }
}
