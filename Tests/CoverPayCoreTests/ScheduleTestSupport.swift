@testable import CoverPayCore

/// Builders for schedule tests: dates and money from literals, transactions with defaults.
enum Fixture {
    static func date(_ text: String) -> CalendarDate { try! CalendarDate(iso: text) }
    static func money(_ text: String) -> Money { try! Money(parsing: text) }

    static func item(_ ref: String, _ kind: ItemKind = .coverage, premium: String, fee: String = "0", tax: String = "0") -> ItemAmounts {
        ItemAmounts(
            item: PolicyItem(kind: kind, ref: ref, name: "Item \(ref)"),
            amounts: ComponentAmounts(premium: money(premium), fee: money(fee), tax: money(tax))
        )
    }

    static func issuance(
        start: String = "2026-01-01", end: String = "2027-01-01", frequency: BillingFrequency = .monthly,
        method: CalculationMethod = .modal, items: [ItemAmounts], policyID: String = "POL-1"
    ) -> PolicyTransaction {
        let term = try! PolicyTerm(start: date(start), end: date(end))
        return PolicyTransaction(
            policyID: policyID, transactionID: "TX-1", sequence: 1, effectiveDate: term.start,
            kind: .issuance(PolicyIssuance(
                policyNumber: "PN-1", state: "CA", lineOfBusiness: "auto", term: term,
                billing: BillingPlan(frequency: frequency, method: method)
            )),
            items: items
        )
    }

    static func transaction(
        _ kind: PolicyTransaction.Kind, sequence: Int, effective: String, items: [ItemAmounts], policyID: String = "POL-1"
    ) -> PolicyTransaction {
        PolicyTransaction(
            policyID: policyID, transactionID: "TX-\(sequence)", sequence: sequence,
            effectiveDate: date(effective), kind: kind, items: items
        )
    }

    static func schedule(_ issuance: PolicyTransaction) -> PolicySchedule {
        var schedule = PolicySchedule(policyID: issuance.policyID)
        try! schedule.apply(issuance)
        return schedule
    }
}

extension PolicySchedule {
    /// Entry totals as decimal strings, in entry order, for compact expectations.
    var totals: [String] { entries.map { $0.total.description } }
    var dates: [String] { entries.map { $0.scheduleDate.description } }
    var statuses: [String] { entries.map { $0.status.rawValue } }
}

/// Deterministic random numbers for building scenarios from one generated seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
