import Testing
@testable import CoverPayCore

/// One routing case against the repository's default table (`Schemas/rules/routing.json`).
struct RoutingCase: Sendable, CustomTestStringConvertible {
    var label: String
    var method: PaymentMethod
    var state = "CA"
    var line = "personal_auto"
    var amount = "250.00"
    var installment = "inst-0001"
    var expected: RoutingDecision.Outcome
    var fired: [String]

    var testDescription: String { label }
}

@Suite("Collection: routing table")
struct CollectionRoutingTests {
    static let cases: [RoutingCase] = [
        RoutingCase(
            label: "visa card, personal auto: split, hashed to the primary", method: CollectionFixtures.card(),
            expected: .routed(Route(rail: .card, processor: "sandbox-a", secCode: nil)), fired: ["card-processor-split"]
        ),
        RoutingCase(
            label: "visa card, installment hashed into the 20% share", method: CollectionFixtures.card(), installment: "a",
            expected: .routed(Route(rail: .card, processor: "sandbox-b", secCode: nil)), fired: ["card-processor-split"]
        ),
        RoutingCase(
            label: "amex goes to the direct acquirer", method: CollectionFixtures.card(brand: .amex),
            expected: .routed(Route(rail: .card, processor: "sandbox-b", secCode: nil)), fired: ["card-amex-direct"]
        ),
        RoutingCase(
            label: "card refused for workers' comp", method: CollectionFixtures.card(), line: "workers_compensation",
            expected: .refused(.cardRefusedForLine, reason: "cards are not accepted for workers' compensation premium"),
            fired: ["refuse-cards-workers-compensation"]
        ),
        RoutingCase(
            label: "card refused for surety (line matched case-insensitively)", method: CollectionFixtures.card(), line: "Surety",
            expected: .refused(.cardRefusedForLine, reason: "cards are not accepted for surety bond premium"),
            fired: ["refuse-cards-surety-bonds"]
        ),
        RoutingCase(
            label: "card above 10,000.00 must go by ACH", method: CollectionFixtures.card(), amount: "10000.01",
            expected: .refused(.achRequired, reason: "the routing rules require ACH but the payment method on file is a card"),
            fired: ["force-ach-above-10000"]
        ),
        RoutingCase(
            label: "card at exactly 10,000.00 stays on cards", method: CollectionFixtures.card(), amount: "10000.00",
            expected: .routed(Route(rail: .card, processor: "sandbox-a", secCode: nil)), fired: ["card-processor-split"]
        ),
        RoutingCase(
            label: "business ACH is CCD", method: CollectionFixtures.ach(holder: .business, method: .online),
            expected: .routed(Route(rail: .ach, processor: "sandbox-bank", secCode: .ccd)),
            fired: ["ach-business-ccd", "ach-odfi-sandbox-bank"]
        ),
        RoutingCase(
            label: "consumer ACH, written authorization: PPD", method: CollectionFixtures.ach(method: .written),
            expected: .routed(Route(rail: .ach, processor: "sandbox-bank", secCode: .ppd)),
            fired: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"]
        ),
        RoutingCase(
            label: "consumer ACH, online authorization: WEB", method: CollectionFixtures.ach(method: .online),
            expected: .routed(Route(rail: .ach, processor: "sandbox-bank", secCode: .web)),
            fired: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"]
        ),
        RoutingCase(
            label: "consumer ACH, phone authorization: TEL", method: CollectionFixtures.ach(method: .phone),
            expected: .routed(Route(rail: .ach, processor: "sandbox-bank", secCode: .tel)),
            fired: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"]
        ),
        RoutingCase(
            label: "consumer ACH without authorization has no SEC code", method: CollectionFixtures.ach(method: nil),
            expected: .refused(.missingAuthorization, reason: "no authorization on file to choose the SEC code from"),
            fired: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"]
        ),
        RoutingCase(
            label: "large workers' comp ACH is fine", method: CollectionFixtures.ach(holder: .business),
            line: "workers_compensation", amount: "50000.00",
            expected: .routed(Route(rail: .ach, processor: "sandbox-bank", secCode: .ccd)),
            fired: ["ach-business-ccd", "ach-odfi-sandbox-bank"]
        ),
    ]

    @Test(arguments: cases)
    func defaultTable(_ testCase: RoutingCase) throws {
        let table = try CollectionFixtures.routingTable()
        let decision = table.decide(RoutingRequest(
            paymentMethod: testCase.method, state: testCase.state, lineOfBusiness: testCase.line,
            amount: CollectionFixtures.money(testCase.amount), installmentID: testCase.installment
        ))
        #expect(decision.outcome == testCase.expected)
        #expect(decision.firedRules == testCase.fired)
    }

    @Test func stateAndHolderConditionsAndFixedSECCode() throws {
        let table = try RoutingTable(json: CollectionFixtures.json(#"""
        {"version": 1, "rules": [
          {"priority": 1, "name": "ny-consumer-ach-ppd-only", "when": {"states": ["ny"], "holders": ["consumer"], "max_amount": "500.00"},
           "then": {"sec_code": "PPD", "processors": [{"name": "bank-ny", "weight": 1}]}},
          {"priority": 2, "name": "ach-default", "when": {"payment_methods": ["ach"]}, "then": {"processors": [{"name": "bank", "weight": 1}]}},
          {"priority": 3, "name": "cards", "when": {"holders": ["consumer"]}, "then": {"processors": [{"name": "never", "weight": 1}]}}
        ]}
        """#))
        func decide(_ method: PaymentMethod, state: String, amount: String) -> RoutingDecision {
            table.decide(RoutingRequest(paymentMethod: method, state: state, lineOfBusiness: "homeowners",
                                        amount: CollectionFixtures.money(amount), installmentID: "i"))
        }
        let ny = decide(CollectionFixtures.ach(method: .online), state: "NY", amount: "500.00")
        #expect(ny.route == Route(rail: .ach, processor: "bank-ny", secCode: .ppd))
        #expect(ny.firedRules == ["ny-consumer-ach-ppd-only"])

        let nyLarge = decide(CollectionFixtures.ach(method: .online), state: "NY", amount: "500.01")
        #expect(nyLarge.route == Route(rail: .ach, processor: "bank", secCode: .web))
        #expect(nyLarge.firedRules == ["ach-default"])

        // A holder condition never matches a card, so no rule names a processor.
        let card = decide(CollectionFixtures.card(), state: "NY", amount: "10.00")
        #expect(card.refusal == .noRoute)
        #expect(card.firedRules.isEmpty)
    }

    @Test func theFirstRuleToSetAFieldKeepsIt() throws {
        let table = try RoutingTable(json: CollectionFixtures.json(#"""
        {"version": 1, "rules": [
          {"priority": 5, "name": "ach-ppd", "when": {"payment_methods": ["ach"]}, "then": {"sec_code": "PPD", "processors": [{"name": "bank-2", "weight": 1}]}},
          {"priority": 1, "name": "ny-tel", "when": {"states": ["NY"]}, "then": {"sec_code": "TEL"}}
        ]}
        """#))
        let decision = table.decide(RoutingRequest(paymentMethod: CollectionFixtures.ach(method: .written), state: "NY",
                                                   lineOfBusiness: "homeowners", amount: Money(cents: 100), installmentID: "i"))
        #expect(decision.route == Route(rail: .ach, processor: "bank-2", secCode: .tel))
        #expect(decision.firedRules == ["ny-tel", "ach-ppd"])
    }

    @Test func splitIsDeterministicAndFollowsTheWeights() {
        let split = ProcessorSplit(shares: [.init(processor: "a", weight: 80), .init(processor: "b", weight: 20)])
        #expect(ProcessorSplit.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(ProcessorSplit.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        var counts: [String: Int] = [:]
        for index in 0..<10_000 {
            let id = "installment-\(index)"
            let processor = split.processor(for: id)
            #expect(split.processor(for: id) == processor)
            counts[processor, default: 0] += 1
        }
        #expect((7_700...8_300).contains(counts["a"] ?? 0), "\(counts)")
        #expect(counts["a", default: 0] + counts["b", default: 0] == 10_000)
    }

    /// Ids whose FNV-1a hash mod 100 falls on each edge of the 80/20 split (computed independently).
    @Test(arguments: [("inst-26", "a"), ("inst-38", "a"), ("inst-202", "b"), ("inst-346", "b")])
    func splitBoundaries(installment: String, processor: String) {
        let split = ProcessorSplit(shares: [.init(processor: "a", weight: 80), .init(processor: "b", weight: 20)])
        #expect(split.processor(for: installment) == processor)
    }

    @Test func tableRoundTripsThroughJSON() throws {
        let table = try CollectionFixtures.routingTable()
        #expect(try RoutingTable(json: table.json) == table)
        #expect(table.rules.map(\.priority) == table.rules.map(\.priority).sorted())
    }

    @Test(arguments: [
        (#"{"version": 2, "rules": []}"#, "invalid routing table: only version 1 is supported"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "when": {"min_amout": "1.00"}, "then": {"rail": "ach"}}]}"#,
         "invalid routing rule 'x': when has unknown key 'min_amout'"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {"refuse": "because"}}]}"#,
         "invalid routing rule 'x': then.refuse 'because' is not one of [\"ach_required\", \"card_refused_for_line\", \"payment_method_refused\"]"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {"refuse": "ach_required", "reason": "r", "rail": "ach"}}]}"#,
         "invalid routing rule 'x': then.refuse cannot be combined with rail, processors or sec_code"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {"processors": [{"name": "p", "weight": 0}]}}]}"#,
         "invalid routing rule 'x': every processor needs a name and a positive weight"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {"sec_code": "ARC"}}]}"#,
         "invalid routing rule 'x': then.sec_code 'ARC' is not PPD, WEB, TEL, CCD or from_authorization"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {}}]}"#, "invalid routing rule 'x': the action neither refuses nor routes"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "when": {"min_amount": "5.00", "max_amount": "1.00"}, "then": {"rail": "ach"}}]}"#,
         "invalid routing rule 'x': min_amount is above max_amount"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "then": {"rail": "ach"}}, {"priority": 1, "name": "y", "then": {"rail": "ach"}}]}"#,
         "invalid routing rule 'y': priority 1 is used twice"),
        (#"{"version": 1, "rules": [{"priority": 1, "name": "x", "when": {"min_amount": "1.001"}, "then": {"rail": "ach"}}]}"#,
         "invalid routing rule 'x': when.min_amount: '1.001' has more than two decimal places"),
    ])
    func refusesInvalidTables(json: String, message: String) {
        #expect { try RoutingTable(json: CollectionFixtures.json(json)) } throws: { error in
            "\(error)" == message
        }
    }
}
