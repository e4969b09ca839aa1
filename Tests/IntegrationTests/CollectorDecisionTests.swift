import CoverPayCore
import Foundation
import Postgres
import Testing

/// Worker-level routing and compliance: what `payment.routed` names and, for input the collector
/// must refuse, a `payment.failed` with a clear code, no charge and no crash.
extension CollectorSuites {
@Suite("Collector: routing, compliance and refusals", .serialized)
struct Decisions {
    init() throws { try LiveServices.isolate() }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let paymentMethod: JSONValue?
        var lineOfBusiness = "homeowners"
        var amount = "100.00"
        var currency = "USD"
        var cancelled = false
        let code: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "no payment method on file", paymentMethod: nil, code: "missing_payment_method"),
        Refusal(name: "routing number failing the ABA checksum", paymentMethod: CollectorFixture.bankAccount(routing: "011000016"), code: "invalid_routing_number"),
        Refusal(name: "unsupported currency", paymentMethod: CollectorFixture.card(), currency: "EUR", code: "unsupported_currency"),
        Refusal(name: "cancelled policy", paymentMethod: CollectorFixture.card(), cancelled: true, code: "policy_cancelled"),
        Refusal(name: "card for workers' compensation", paymentMethod: CollectorFixture.card(), lineOfBusiness: "workers_compensation", code: "card_refused_for_line"),
        Refusal(name: "card above 10,000.00", paymentMethod: CollectorFixture.card(), amount: "10000.01", code: "ach_required"),
        Refusal(name: "WEB debit without a validated account", paymentMethod: CollectorFixture.bankAccount(authorization: "online"), code: "account_not_validated"),
    ]

    @Test("refused input gets payment.failed with its code, nothing charged, the worker keeps running", arguments: refusals)
    func refusal(_ refusal: Refusal) async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("refuse")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: refusal.paymentMethod, lineOfBusiness: refusal.lineOfBusiness))
        try await CollectorFixture.known(policy)
        if refusal.cancelled {
            try LiveServices.publish(Events.change("coverpay.policy.cancelled", policy: policy, sequence: 2, effective: "2099-01-15",
                                                   items: [Events.item("dwelling", premium: "-100.00")], extra: ["reason": .string("insured_request")]))
            try await LiveServices.eventually("the collector marks the policy cancelled") {
                try LiveServices.count("SELECT count(*) AS n FROM collector.policies WHERE policy_id = $1 AND cancelled", [policy]) == 1
            }
        }
        try LiveServices.publish(CollectorFixture.due(policy: policy, amount: refusal.amount, currency: refusal.currency, lineOfBusiness: refusal.lineOfBusiness))
        try await LiveServices.eventually("payment.failed published") { try !CollectorFixture.events("coverpay.payment.failed", policy: policy).isEmpty }
        let failed = try CollectorFixture.events("coverpay.payment.failed", policy: policy)
        #expect(failed.first?["failure_code"] == .string(refusal.code))
        #expect(failed.first?["retryable"] == .bool(false))
        #expect(try CollectorFixture.events("coverpay.payment.routed", policy: policy).first?["outcome"] == .string("refused"))
        #expect(try CollectorFixture.calls(policy: policy, kind: "charge") == 0)
        #expect(try CollectorFixture.status(policy: policy) == "failed")
        #expect(collector.isRunning)
        try await collector.terminate()
    }

    /// A policy may be issued before the bank authorization is on file: it is scheduled, and every
    /// debit is refused until an authorization arrives (payment_method.updated).
    @Test("an ACH method without an authorization is refused with missing_authorization")
    func missingAuthorization() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("refuse-noauth")
        // A business account: a CCD debit still needs the agreement on file.
        try LiveServices.publish(CollectorFixture.issued(
            policy: policy, paymentMethod: CollectorFixture.bankAccount(holder: "business", authorization: nil)
        ))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("payment.failed published") { try !CollectorFixture.events("coverpay.payment.failed", policy: policy).isEmpty }
        #expect(try CollectorFixture.events("coverpay.payment.failed", policy: policy).first?["failure_code"] == .string("missing_authorization"))
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id = $1 AND trace_number IS NOT NULL", [policy]) == 0)
        try await collector.terminate()
    }

    struct Route: Sendable, CustomTestStringConvertible {
        let name: String
        let paymentMethod: JSONValue
        var state = "CA"
        let rail: String
        let processor: String?
        let secCode: String?
        let routingRules: [String]
        let complianceRules: [String]
        var testDescription: String { name }
    }

    static let routes: [Route] = [
        Route(name: "amex to the direct acquirer", paymentMethod: CollectorFixture.card(brand: "amex"), rail: "card", processor: "sandbox-b",
              secCode: nil, routingRules: ["card-amex-direct"], complianceRules: []),
        Route(name: "consumer written authorization: PPD", paymentMethod: CollectorFixture.bankAccount(), rail: "ach", processor: "sandbox-bank",
              secCode: "PPD", routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"], complianceRules: ["national.ach_authorization"]),
        Route(name: "consumer online authorization, validated: WEB", paymentMethod: CollectorFixture.bankAccount(authorization: "online", validated: true),
              rail: "ach", processor: "sandbox-bank", secCode: "WEB", routingRules: ["ach-consumer-sec-by-authorization", "ach-odfi-sandbox-bank"],
              complianceRules: ["national.ach_authorization", "national.web_account_validation"]),
        Route(name: "business account: CCD", paymentMethod: CollectorFixture.bankAccount(holder: "business"), state: "NY", rail: "ach",
              processor: "sandbox-bank", secCode: "CCD", routingRules: ["ach-business-ccd", "ach-odfi-sandbox-bank"], complianceRules: ["national.ach_authorization"]),
    ]

    @Test("payment.routed names the rail, processor, SEC code and every rule that fired", arguments: routes)
    func routing(_ route: Route) async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("route")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: route.paymentMethod, state: route.state))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy, state: route.state))
        try await LiveServices.eventually("payment.routed published") { try !CollectorFixture.events("coverpay.payment.routed", policy: policy).isEmpty }
        let routed = try #require(try CollectorFixture.events("coverpay.payment.routed", policy: policy).first)
        #expect(routed["outcome"] == .string("routed"))
        #expect(routed["rail"] == .string(route.rail))
        #expect(routed["processor"] == route.processor.map(JSONValue.string))
        #expect(routed["sec_code"] == (route.secCode.map(JSONValue.string) ?? .null))
        #expect(routed["routing_rules"] == .array(route.routingRules.map(JSONValue.string)))
        let fired = routed["compliance_rules"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(Set(route.complianceRules).isSubset(of: Set(fired)), "fired: \(fired)")
        #expect(routed["compliance_rules"]?.arrayValue?.allSatisfy { $0["citation"]?.stringValue?.isEmpty == false } == true)
        try await collector.terminate()
    }

    @Test("coverpay routes test explains the decision for a policy")
    func routesTestCommand() async throws {
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await collector.waitUntilReady()
        let policy = Events.uniqueID("route-cli")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(), lineOfBusiness: "surety"))
        try await CollectorFixture.known(policy)
        try await collector.terminate()
        let result = try LiveServices.coverpay(["routes", "test", "--policy", policy, "--amount", "250.00", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONValue.parse(Array(result.stdout.utf8))
        #expect(json["outcome"] == .string("refused"))
        #expect(json["failure_code"] == .string("card_refused_for_line"))
        #expect(json["routing_rules"]?.arrayValue?.first?["name"] == .string("refuse-cards-surety-bonds"))
        let list = try LiveServices.coverpay(["routes", "list", "--json"])
        #expect(try JSONValue.parse(Array(list.stdout.utf8))["rules"]?.arrayValue?.count == 8)
    }
}
}
