import CoverPayCore

/// The demo's book of business: policies across states, lines, billing plans and payment methods
/// (sandbox tokens and magic account numbers, DESIGN §11), plus the mid-term changes upstream sends.
/// Deterministic: policy `k` of every run looks the same, so demo reports compare across runs.
struct DemoBook {
    let runID: String
    let year: Int
    let policyCount: Int

    struct Change {
        let date: CalendarDate
        let event: JSONValue
    }

    private static let states = ["CA", "NY", "FL", "TX", "IL", "CT", "MA"]
    private static let plans = [("monthly", "modal"), ("monthly", "daily"), ("quarterly", "modal"), ("semiannual", "daily"), ("annual", "modal")]
    private static let cardTokens = [
        "tok_success", "tok_success", "tok_success", "tok_insufficient_funds_once", "tok_success",
        "tok_do_not_honor", "tok_success", "tok_stolen_card", "tok_timeout", "tok_success",
    ]

    func policyID(_ index: Int) -> String { "DEMO-\(runID)-\(String(format: "%03d", index))" }

    /// The term start of policy `index`: spread over January.
    func termStart(_ index: Int) -> CalendarDate {
        (try? CalendarDate(year: year, month: 1, day: 1 + (index * 3) % 28))!
    }

    var issuances: [JSONValue] { (0..<policyCount).map(issuance) }

    private func issuance(_ index: Int) -> JSONValue {
        let policy = policyID(index)
        let start = termStart(index)
        let (frequency, method) = Self.plans[index % Self.plans.count]
        let state = Self.states[index % Self.states.count]
        let commercial = index % 6 == 5
        let line = commercial ? "workers_comp" : (index % 2 == 0 ? "homeowners" : "personal_auto")
        let premium = 600 + (index * 137) % 2400
        var items: [JSONValue] = [
            item(kind: "coverage", ref: "main", name: commercial ? "Workers compensation" : line == "homeowners" ? "Dwelling" : "Liability",
                 premium: "\(premium).00", fee: "36.00", tax: "\(premium / 50).\(String(format: "%02d", index % 100))"),
        ]
        if line == "personal_auto" {
            items.append(item(kind: "asset", ref: "vehicle-1", name: "2022 sedan", premium: "\(200 + index * 11).50", fee: "0", tax: "0"))
            items.append(item(kind: "participant", ref: "driver-2", name: "Second driver", premium: "150.25", fee: "0", tax: "0"))
        }
        return envelope(type: "coverpay.policy.issued", policy: policy, id: "\(policy)-issued", data: [
            "policy_number": .string("PN-\(runID)-\(index)"), "transaction_id": .string("\(policy)-t1"), "sequence": .number("1"),
            "effective_date": .string(start.description), "state": .string(state), "line_of_business": .string(line),
            "term": .object(["start": .string(start.description), "end": .string(start.addingMonths(12).description)]),
            "currency": .string("USD"), "billing": .object(["frequency": .string(frequency), "calculation_method": .string(method)]),
            "payment_method": paymentMethod(index, commercial: commercial), "carrier_id": .string("CARRIER-\(1 + index % 3)"),
            "agency_id": .string("AGENCY-\(1 + index % 4)"), "commission_rate": .string("0.12"), "items": .array(items),
        ])
    }

    /// Card for most personal lines, ACH for commercial and for every third personal policy.
    private func paymentMethod(_ index: Int, commercial: Bool) -> JSONValue {
        guard commercial || index % 3 == 1 else {
            return .object([
                "type": .string("card"), "token": .string(Self.cardTokens[index % Self.cardTokens.count]),
                "brand": .string(index % 4 == 0 ? "mastercard" : "visa"), "last4": .string("4242"), "funding": .string("credit"),
            ])
        }
        let routing = ["011000015", "021000021", "026009593"][index % 3]
        return .object([
            "type": .string("ach"), "routing_number": .string(routing),
            "account_number": .string(index % 7 == 4 ? "9876500001" : "12345\(String(format: "%04d", 1000 + index))"),
            "account_type": .string(index % 2 == 0 ? "checking" : "savings"),
            "holder": .string(commercial ? "business" : "consumer"), "name": .string("Insured \(index)"),
            "authorization": .object(["id": .string("AUTH-\(runID)-\(index)"), "method": .string("written"), "at": .string("\(year - 1)-12-15T10:00:00Z")]),
        ])
    }

    /// Mid-term changes: endorsements up and down, a cancellation with its refund, a cancellation
    /// followed by a reinstatement.
    var changes: [Change] {
        var changes: [Change] = []
        for index in stride(from: 0, to: policyCount, by: 5) {
            let date = termStart(index).addingMonths(4)
            let amount = index % 10 == 0 ? "240.00" : "-120.00"
            changes.append(Change(date: date, event: change("coverpay.policy.endorsed", index, sequence: 2, on: date, premium: amount)))
        }
        if policyCount > 8 {
            let cancelled = 8, date = termStart(8).addingMonths(7)
            changes.append(Change(date: date, event: change("coverpay.policy.cancelled", cancelled, sequence: 2, on: date, premium: "-150.00", reason: "insured_request")))
        }
        if policyCount > 12 {
            let reinstated = 12, cancelledOn = termStart(12).addingMonths(6), back = cancelledOn.adding(days: 20)
            changes.append(Change(date: cancelledOn, event: change("coverpay.policy.cancelled", reinstated, sequence: 2, on: cancelledOn, premium: "-100.00", reason: "underwriting")))
            changes.append(Change(date: back, event: change("coverpay.policy.reinstated", reinstated, sequence: 3, on: back, premium: "100.00")))
        }
        return changes.sorted { $0.date < $1.date }
    }

    private func change(_ type: String, _ index: Int, sequence: Int, on date: CalendarDate, premium: String, reason: String? = nil) -> JSONValue {
        let policy = policyID(index)
        var data: [String: JSONValue] = [
            "transaction_id": .string("\(policy)-t\(sequence)"), "sequence": .number("\(sequence)"),
            "effective_date": .string(date.description),
            "items": .array([item(kind: "coverage", ref: "main", name: "", premium: premium, fee: "0", tax: "0")]),
        ]
        if let reason { data["reason"] = .string(reason) }
        return envelope(type: type, policy: policy, id: "\(policy)-t\(sequence)", data: data)
    }

    private func item(kind: String, ref: String, name: String, premium: String, fee: String, tax: String) -> JSONValue {
        var members: [String: JSONValue] = ["kind": .string(kind), "ref": .string(ref), "premium": .string(premium), "fee": .string(fee), "tax": .string(tax)]
        if !name.isEmpty { members["name"] = .string(name) }
        return .object(members)
    }

    private func envelope(type: String, policy: String, id: String, data: [String: JSONValue]) -> JSONValue {
        var payload = data
        payload["policy_id"] = .string(policy)
        return .object([
            "specversion": .string("1.0"), "id": .string(id), "source": .string("demo/policy-admin"), "type": .string(type),
            "subject": .string(policy), "datacontenttype": .string("application/json"), "data": .object(payload),
        ])
    }
}
