import CoverPayCore

/// The demo's book of business, published as an upstream policy system would: policies across
/// states, personal and commercial lines, every billing plan, paying by sandbox cards and bank
/// accounts whose outcomes are steered by their tokens and account numbers (DESIGN §11), and the
/// year's upstream traffic: endorsements up and down, cancellations, reinstatements, external
/// payments and a payment-method change in the middle of a delinquency.
///
/// Deterministic per policy index: policy `k` has the same profile and changes in every run (only
/// the run id in its policy id differs), so two runs of the same size report the same story.
struct DemoBook {
    static let maximumPolicies = 20_000

    let runID: String
    let year: Int
    let policyCount: Int

    struct Change {
        let date: CalendarDate
        let event: JSONValue
    }

    /// How a policy pays, and what the sandbox rails will do with it.
    struct Payer {
        let method: JSONValue
        /// What the token or account number makes happen, in words (for the report and the docs).
        let behaviour: String
    }

    struct Profile {
        let index: Int
        let state: String
        let line: String
        let commercial: Bool
        let frequency: String
        let calculation: String
        let premiumCents: Int64
        let payer: Payer
    }

    private static let states = [("CA", 18), ("NY", 12), ("FL", 12), ("TX", 14), ("IL", 8), ("MA", 6), ("CT", 4), ("NJ", 6), ("PA", 6), ("GA", 5), ("WA", 4), ("OH", 5)]
    private static let personalLines = [("personal_auto", 50), ("homeowners", 35), ("renters", 5), ("umbrella", 3)]
    private static let commercialLines = [("workers_compensation", 30), ("commercial_auto", 25), ("general_liability", 25), ("commercial_property", 20)]
    private static let plans = [(("monthly", "modal"), 40), (("monthly", "daily"), 15), (("quarterly", "modal"), 15), (("quarterly", "daily"), 5),
                                (("semiannual", "modal"), 10), (("semiannual", "daily"), 5), (("annual", "modal"), 8), (("annual", "daily"), 2)]
    /// Card tokens by weight: mostly approved; soft declines once (cured by a retry) or always
    /// (delinquency); hard declines; unknown outcomes; chargebacks.
    private static let cardTokens = [
        ("tok_success", 72, "approved"), ("tok_insufficient_funds_once", 7, "soft decline once, then approved"),
        ("tok_issuer_unavailable_once", 2, "soft decline once, then approved"), ("tok_do_not_honor", 5, "soft decline on every attempt"),
        ("tok_stolen_card", 2, "hard decline (stolen)"), ("tok_closed_account", 1, "hard decline (closed account)"),
        ("tok_timeout", 3, "no answer; a status query finds it approved"), ("tok_chargeback", 3, "approved, then charged back"),
    ]
    /// Bank account endings by weight: 00NN returns RNN every time, 01NN the first time only,
    /// 02NN late (after settlement); anything else settles.
    private static let accountEndings = [
        ("", 80, "settles"), ("0101", 5, "returned R01 (insufficient funds) on the first presentment"),
        ("0001", 3, "returned R01 on every presentment"), ("0109", 2, "returned R09 (uncollected funds) on the first presentment"),
        ("0003", 2, "returned R03 (no account)"), ("0207", 3, "returned R07 (authorization revoked) late, after settlement"),
        ("0210", 2, "returned R10 (unauthorized) late, after settlement"), ("0002", 3, "returned R02 (account closed)"),
    ]

    func policyID(_ index: Int) -> String { "DEMO-\(runID)-\(String(format: "%05d", index))" }

    /// The term start of policy `index`: spread over January, so every term is billed whole within the run.
    func termStart(_ index: Int) -> CalendarDate {
        (try? CalendarDate(year: year, month: 1, day: 1 + Int(Self.draw(index, 1) % 28)))!
    }

    func profile(_ index: Int) -> Profile {
        let commercial = Self.draw(index, 2) % 100 < 22
        let line = Self.pick(commercial ? Self.commercialLines : Self.personalLines, index, 3)
        let plan = Self.pick(Self.plans, index, 4)
        let premium: Int64 = commercial ? 2_000_00 + Int64(Self.draw(index, 5) % 22_000) * 100 : 400_00 + Int64(Self.draw(index, 5) % 3_200) * 100
        return Profile(
            index: index, state: Self.pick(Self.states, index, 6), line: line, commercial: commercial,
            frequency: plan.0, calculation: plan.1, premiumCents: premium, payer: payer(index, commercial: commercial, line: line)
        )
    }

    var issuances: [JSONValue] { (0..<policyCount).map(issuance) }

    private func issuance(_ index: Int) -> JSONValue {
        let policy = policyID(index), profile = profile(index), start = termStart(index)
        let premium = Money(cents: profile.premiumCents)
        let tax = Money(cents: profile.premiumCents * Int64(2 + Self.draw(index, 7) % 4) / 100)
        let fee = Money(cents: profile.frequency == "annual" ? 0 : 36_00)
        var items: [JSONValue] = [item("coverage", "main", Self.coverageName(profile.line), premium: premium, fee: fee, tax: tax)]
        if profile.line == "personal_auto" || profile.line == "commercial_auto" {
            items.append(item("asset", "vehicle-1", "Vehicle 1", premium: Money(cents: 200_00 + Int64(Self.draw(index, 8) % 600) * 100), fee: .zero, tax: .zero))
            items.append(item("participant", "driver-2", "Second driver", premium: Money(cents: 150_25), fee: .zero, tax: .zero))
        }
        return envelope("coverpay.policy.issued", index, id: "\(policy)-t1", data: [
            "policy_number": .string("PN-\(runID)-\(index)"), "transaction_id": .string("\(policy)-t1"), "sequence": .number("1"),
            "effective_date": .string(start.description), "state": .string(profile.state), "line_of_business": .string(profile.line),
            "term": .object(["start": .string(start.description), "end": .string(start.addingMonths(12).description)]),
            "currency": .string("USD"), "billing": .object(["frequency": .string(profile.frequency), "calculation_method": .string(profile.calculation)]),
            "payment_method": profile.payer.method, "carrier_id": .string("CARRIER-\(1 + index % 3)"),
            "agency_id": .string("AGENCY-\(1 + index % 7)"), "commission_rate": .string(profile.commercial ? "0.10" : "0.12"), "items": .array(items),
        ])
    }

    /// Commercial lines pay by bank account (CCD); personal lines mostly by card, a quarter by bank account.
    func payer(_ index: Int, commercial: Bool, line: String) -> Payer {
        if commercial || Self.draw(index, 9) % 100 < 25 {
            let (ending, behaviour) = Self.pickWithLabel(Self.accountEndings, index, 10)
            let account = "7\(String(format: "%05d", index % 100_000))" + (ending.isEmpty ? String(format: "%04d", 3000 + index % 7000) : ending)
            let authorization = commercial ? "written" : ["written", "written", "online", "phone"][Int(Self.draw(index, 11) % 4)]
            var method: [String: JSONValue] = [
                "type": .string("ach"), "routing_number": .string(["011000015", "021000021", "026009593", "121000358"][index % 4]),
                "account_number": .string(account), "account_type": .string(commercial || index % 3 != 0 ? "checking" : "savings"),
                "holder": .string(commercial ? "business" : "consumer"), "name": .string("Insured \(index)"),
                "authorization": .object(["id": .string("AUTH-\(runID)-\(index)"), "method": .string(authorization), "at": .string("\(year - 1)-12-15T10:00:00Z")]),
            ]
            if authorization == "online" {
                method["account_validation"] = .object(["method": .string("micro_deposits"), "at": .string("\(year - 1)-12-16T10:00:00Z")])
            }
            return Payer(method: .object(method), behaviour: "ACH: \(behaviour)")
        }
        let (token, behaviour) = Self.pickWithLabel(Self.cardTokens, index, 12)
        let brand = Self.pick([("visa", 55), ("mastercard", 30), ("amex", 10), ("discover", 5)], index, 13)
        return Payer(method: card(token, brand: brand, debit: Self.draw(index, 14) % 100 < 20), behaviour: "card: \(behaviour)")
    }

    private func card(_ token: String, brand: String, debit: Bool) -> JSONValue {
        .object([
            "type": .string("card"), "token": .string(token), "brand": .string(brand),
            "last4": .string(brand == "amex" ? "0005" : "4242"), "funding": .string(debit ? "debit" : "credit"),
        ])
    }

    /// The year's upstream traffic, in date order.
    var changes: [Change] {
        (0..<policyCount).flatMap(changes(of:)).sorted { $0.date < $1.date }
    }

    private func changes(of index: Int) -> [Change] {
        let start = termStart(index), profile = profile(index)
        var changes: [Change] = []
        var sequence = 1
        func transaction(_ type: String, on date: CalendarDate, premium: Money, reason: String? = nil) {
            sequence += 1
            var data: [String: JSONValue] = [
                "transaction_id": .string("\(policyID(index))-t\(sequence)"), "sequence": .number("\(sequence)"),
                "effective_date": .string(date.description),
                "items": .array([item("coverage", "main", nil, premium: premium, fee: .zero, tax: .zero)]),
            ]
            if let reason { data["reason"] = .string(reason) }
            changes.append(Change(date: date, event: envelope(type, index, id: "\(policyID(index))-t\(sequence)", data: data)))
        }
        let monthly = Money(cents: profile.premiumCents / 12)
        // Endorsements, up (a vehicle, more limits) or down (a coverage dropped).
        if Self.draw(index, 20) % 100 < 18 {
            let date = start.addingMonths(2 + Int(Self.draw(index, 21) % 7)).adding(days: Int(Self.draw(index, 22) % 20))
            let up = Self.draw(index, 23) % 3 != 0
            transaction("coverpay.policy.endorsed", on: date, premium: Money(cents: (up ? 1 : -1) * (40_00 + Int64(Self.draw(index, 24) % 400) * 100)))
        }
        // Cancellations at the insured's or underwriter's request, with unearned premium; a third reinstated.
        if Self.draw(index, 25) % 100 < 5 {
            let months = 5 + Int(Self.draw(index, 26) % 4)
            let date = start.addingMonths(months).adding(days: 3)
            let unearned = Money(cents: monthly.cents * Int64(12 - months) / 2)
            transaction("coverpay.policy.cancelled", on: date, premium: -unearned, reason: Self.draw(index, 27) % 4 == 0 ? "underwriting" : "insured_request")
            if Self.draw(index, 28) % 3 == 0 {
                transaction("coverpay.policy.reinstated", on: date.adding(days: 10 + Int(Self.draw(index, 29) % 15)), premium: unearned)
            }
        }
        // External payments: a check or an agency sweep.
        if Self.draw(index, 30) % 100 < 3 {
            let date = start.addingMonths(1 + Int(Self.draw(index, 31) % 9)).adding(days: 5)
            changes.append(Change(date: date, event: envelope("coverpay.payment.received", index, id: "\(policyID(index))-check-1", data: [
                "amount": .string(Money(cents: 50_00 + Int64(Self.draw(index, 32) % 200) * 100).description),
                "received_on": .string(date.description), "reference": .string("CHK-\(runID)-\(index)"),
            ])))
        }
        // A card that declines every time is replaced by a good one 40 days in, mid-delinquency,
        // for every other such policy (the rest run to the end of the delinquency ladder).
        if profile.payer.method["token"]?.stringValue == "tok_do_not_honor", index % 2 == 0 {
            let date = start.adding(days: 40)
            changes.append(Change(date: date, event: envelope("coverpay.payment_method.updated", index, id: "\(policyID(index))-pm-2", data: [
                "payment_method": card("tok_success", brand: "visa", debit: false),
            ])))
        }
        return changes
    }

    private static func coverageName(_ line: String) -> String {
        switch line {
        case "homeowners": "Dwelling"
        case "renters": "Personal property"
        case "workers_compensation": "Workers compensation"
        case "general_liability": "General liability"
        case "commercial_property": "Building"
        default: "Liability"
        }
    }

    private func item(_ kind: String, _ ref: String, _ name: String?, premium: Money, fee: Money, tax: Money) -> JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(kind), "ref": .string(ref), "premium": .string(premium.description),
            "fee": .string(fee.description), "tax": .string(tax.description),
        ]
        if let name { members["name"] = .string(name) }
        return .object(members)
    }

    private func envelope(_ type: String, _ index: Int, id: String, data: [String: JSONValue]) -> JSONValue {
        let policy = policyID(index)
        var payload = data
        payload["policy_id"] = .string(policy)
        return .object([
            "specversion": .string("1.0"), "id": .string(id), "source": .string("demo/policy-admin"), "type": .string(type),
            "subject": .string(policy), "datacontenttype": .string("application/json"), "data": .object(payload),
        ])
    }

    // MARK: deterministic draws

    /// A well-mixed number from a policy index and a purpose (splitmix64), so that each attribute
    /// is independent of the others yet the same in every run.
    static func draw(_ index: Int, _ purpose: UInt64) -> UInt64 {
        var z = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 &+ purpose &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func pick<T>(_ weighted: [(T, Int)], _ index: Int, _ purpose: UInt64) -> T {
        var roll = Int(draw(index, purpose) % UInt64(weighted.map(\.1).reduce(0, +)))
        for (value, weight) in weighted {
            if roll < weight { return value }
            roll -= weight
        }
        return weighted[weighted.count - 1].0
    }

    static func pickWithLabel(_ weighted: [(String, Int, String)], _ index: Int, _ purpose: UInt64) -> (String, String) {
        pick(weighted.map { (($0.0, $0.2), $0.1) }, index, purpose)
    }
}
