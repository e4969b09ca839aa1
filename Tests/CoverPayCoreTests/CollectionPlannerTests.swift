import Testing
@testable import CoverPayCore

struct PlannerCase: Sendable, CustomTestStringConvertible {
    var label: String
    var paymentMethod: String?
    var currency = "USD"
    var state = "CA"
    var line = "personal_auto"
    var amount = "250.00"
    var cancelled = false
    var requestedFee = "0.00"
    var validated = false
    var expectedFailure: String?
    var retryable = false
    var routingRules: [String] = []
    var complianceRules: [String] = []

    var testDescription: String { label }
}

@Suite("Collection: planning a collection")
struct CollectionPlannerTests {
    static let visaCredit = #"{"type":"card","token":"tok_success","brand":"visa","last4":"4242","funding":"credit"}"#
    static func ach(_ holder: String = "consumer", method: String? = "written", routing: String = "021000021") -> String {
        let authorization = method.map { #","authorization":{"id":"auth-1","method":"\#($0)","at":"2026-01-05T10:00:00Z"}"# } ?? ""
        return #"{"type":"ach","routing_number":"\#(routing)","account_number":"123456789","account_type":"checking","holder":"\#(holder)"\#(authorization)}"#
    }

    static let cases: [PlannerCase] = [
        PlannerCase(label: "cancelled policy", paymentMethod: nil, cancelled: true, expectedFailure: "policy_cancelled"),
        PlannerCase(label: "currency other than USD", paymentMethod: visaCredit, currency: "EUR", expectedFailure: "unsupported_currency"),
        PlannerCase(label: "no payment method", paymentMethod: nil, expectedFailure: "missing_payment_method"),
        PlannerCase(label: "payment method null", paymentMethod: "null", expectedFailure: "missing_payment_method"),
        PlannerCase(label: "bad routing checksum", paymentMethod: ach(routing: "021000022"), expectedFailure: "invalid_routing_number"),
        PlannerCase(label: "malformed card", paymentMethod: #"{"type":"card","token":"tok_a"}"#, expectedFailure: "invalid_payment_method"),
        PlannerCase(label: "card for workers' comp", paymentMethod: visaCredit, line: "workers_compensation",
                    expectedFailure: "card_refused_for_line", routingRules: ["refuse-cards-workers-compensation"]),
        PlannerCase(label: "card above the ACH threshold", paymentMethod: visaCredit, amount: "12000.00",
                    expectedFailure: "ach_required", routingRules: ["force-ach-above-10000"]),
        PlannerCase(label: "consumer ACH without authorization", paymentMethod: ach(method: nil),
                    expectedFailure: "missing_authorization", routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"]),
        PlannerCase(label: "business ACH without authorization", paymentMethod: ach("business", method: nil),
                    expectedFailure: "missing_authorization", routingRules: ["ach-business-ccd", "ach-odfi-sandbox-bank"],
                    complianceRules: ["national.ach_authorization"]),
        PlannerCase(label: "WEB debit on an unvalidated account", paymentMethod: ach(method: "online"), validated: false,
                    expectedFailure: "account_not_validated", routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"],
                    complianceRules: ["national.ach_authorization", "national.web_account_validation"]),
        PlannerCase(label: "WEB debit on a validated account", paymentMethod: ach(method: "online"), validated: true,
                    routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"],
                    complianceRules: ["national.ach_authorization", "national.web_account_validation"]),
        PlannerCase(label: "PPD debit needs no validation", paymentMethod: ach(method: "written"),
                    routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"], complianceRules: ["national.ach_authorization"]),
        PlannerCase(label: "credit card in CT: no fee", paymentMethod: visaCredit, state: "CT", requestedFee: "5.00",
                    routingRules: ["card-processor-split"], complianceRules: ["CT.card_surcharge"]),
        PlannerCase(label: "credit card in CA: fee", paymentMethod: visaCredit, state: "CA", requestedFee: "5.00",
                    routingRules: ["card-processor-split"], complianceRules: ["default.card_surcharge"]),
    ]

    @Test(arguments: cases)
    func plans(_ testCase: PlannerCase) throws {
        let request = CollectionRequest(
            installmentID: "inst-0001", paymentMethod: testCase.paymentMethod.map(CollectionFixtures.json), currency: testCase.currency,
            state: testCase.state, lineOfBusiness: testCase.line, amount: CollectionFixtures.money(testCase.amount),
            policyCancelled: testCase.cancelled, requestedCardFee: CollectionFixtures.money(testCase.requestedFee),
            accountValidated: testCase.validated
        )
        let result = CollectionPlanner.plan(request, routing: try CollectionFixtures.routingTable(), compliance: try CollectionFixtures.complianceRules())
        switch result {
        case .success(let plan):
            #expect(testCase.expectedFailure == nil, "planned, expected \(testCase.expectedFailure ?? "")")
            #expect(plan.routingRules == testCase.routingRules)
            #expect(plan.complianceRules.map(\.name) == testCase.complianceRules)
        case .failure(let refusal):
            #expect(refusal.failure.code == testCase.expectedFailure)
            #expect(refusal.failure.retryable == testCase.retryable)
            #expect(refusal.routingRules == testCase.routingRules)
            #expect(refusal.complianceRules.map(\.name) == testCase.complianceRules)
        }
    }

    @Test func planCarriesRouteAndFee() throws {
        let request = CollectionRequest(
            installmentID: "inst-0001", paymentMethod: CollectionFixtures.json(Self.visaCredit), currency: "USD", state: "TX",
            lineOfBusiness: "homeowners", amount: CollectionFixtures.money("120.00"), policyCancelled: false,
            requestedCardFee: CollectionFixtures.money("9.99")
        )
        let plan = try CollectionPlanner.plan(request, routing: CollectionFixtures.routingTable(), compliance: CollectionFixtures.complianceRules()).get()
        #expect(plan.route == Route(rail: .card, processor: "sandbox-a", secCode: nil))
        #expect(plan.fee == CollectionFixtures.money("3.60"))
        #expect(plan.total == CollectionFixtures.money("123.60"))
    }

    @Test func failuresHaveStableCodesAndRetryability() throws {
        let table: [(CollectionFailure, String, Bool)] = [
            (.missingPaymentMethod, "missing_payment_method", false),
            (.invalidRoutingNumber, "invalid_routing_number", false),
            (.missingAuthorization, "missing_authorization", false),
            (.accountNotValidated, "account_not_validated", false),
            (.unsupportedCurrency("EUR"), "unsupported_currency", false),
            (.policyCancelled, "policy_cancelled", false),
            (.cardRefusedForLine, "card_refused_for_line", false),
            (.achRequired, "ach_required", false),
            (.noRoute, "no_route", false),
            (.cardDeclined(code: "51", hard: false), "card_soft_decline", true),
            (.cardDeclined(code: "43", hard: true), "card_hard_decline", false),
            (.achReturned(try #require(ACHReturnCode("R09"))), "ach_return_R09", true),
            (.achReturned(try #require(ACHReturnCode("R03"))), "ach_return_R03", false),
        ]
        for (failure, code, retryable) in table {
            #expect(failure.code == code)
            #expect(failure.retryable == retryable, "\(code)")
            #expect(!failure.message.isEmpty)
        }
    }
}
