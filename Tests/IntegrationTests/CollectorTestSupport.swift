import CoverPayCore
import Foundation
import Postgres
import Testing

/// The collector suites run one at a time: each starts its own collectors, and a collector of
/// another suite would take (and handle correctly, but elsewhere) the messages a crash test aims
/// at one process.
@Suite("Collector", .serialized)
struct CollectorSuites {}

/// Events and queries for the collector's tests. Policies are dated far in the future so that no
/// scheduler running alongside announces their installments: the tests publish
/// `installment.due` themselves (one end-to-end test goes through the scheduler).
enum CollectorFixture {
    /// Environment for test collectors: fast status resolution and file cutting, a private outbound folder.
    static func environment(outbound: URL = temporaryOutbound()) -> [String: String] {
        ["COVERPAY_CARD_RESOLVE_AFTER_MS": "300", "COVERPAY_ACH_FILE_WINDOW_MS": "300", "COVERPAY_ACH_OUTBOUND_DIR": outbound.path]
    }

    static func temporaryOutbound() -> URL {
        // Inside the testbed's outbound folder, which the leak scan skips: outbound files carry full account numbers.
        LiveServices.scratchFolder("ach/outbound/\(UUID().uuidString.prefix(8))")
    }

    static func issued(
        policy: String, paymentMethod: JSONValue?, state: String = "CA", lineOfBusiness: String = "homeowners",
        start: String = "2099-01-01", end: String = "2100-01-01"
    ) -> JSONValue {
        var data: [String: JSONValue] = [
            "policy_number": .string("PN-\(policy)"), "transaction_id": .string("\(policy)-tx1"), "sequence": .number("1"),
            "effective_date": .string(start), "state": .string(state), "line_of_business": .string(lineOfBusiness),
            "term": .object(["start": .string(start), "end": .string(end)]), "currency": .string("USD"),
            "billing": .object(["frequency": .string("monthly"), "calculation_method": .string("modal")]),
            "carrier_id": .string("CARRIER-1"), "agency_id": .string("AGENCY-1"), "commission_rate": .string("0.10"),
            "items": .array([Events.item("dwelling", premium: "1200.00")]),
        ]
        data["payment_method"] = paymentMethod
        return Events.envelope("coverpay.policy.issued", policy: policy, data: data)
    }

    static func due(
        policy: String, entry: Int = 1, amount: String = "100.00", currency: String = "USD", scheduleDate: String = "2099-02-02",
        state: String = "CA", lineOfBusiness: String = "homeowners", id: String = Events.uniqueID("due")
    ) -> JSONValue {
        Events.envelope("coverpay.installment.due", policy: policy, id: id, data: [
            "policy_number": .string("PN-\(policy)"), "entry_number": .number("\(entry)"), "schedule_date": .string(scheduleDate),
            "due_date": .string(scheduleDate), "transaction": .string("issuance"), "amount": .string(amount), "premium": .string(amount),
            "fee": .string("0.00"), "tax": .string("0.00"), "currency": .string(currency), "rail_hint": .string("card"),
            "state": .string(state), "line_of_business": .string(lineOfBusiness), "carrier_id": .string("CARRIER-1"), "agency_id": .string("AGENCY-1"),
        ])
    }

    static func card(token: String = "tok_success", brand: String = "visa") -> JSONValue {
        .object(["type": .string("card"), "token": .string(token), "brand": .string(brand), "last4": .string("4242")])
    }

    static func bankAccount(
        routing: String = "011000015", account: String = "123456789", type: String = "checking", holder: String = "consumer",
        authorization method: String? = "written", validated: Bool = false, name: String? = nil
    ) -> JSONValue {
        var members: [String: JSONValue] = [
            "type": .string("ach"), "routing_number": .string(routing), "account_number": .string(account),
            "account_type": .string(type), "holder": .string(holder),
        ]
        if let method {
            members["authorization"] = .object(["id": .string("auth-1"), "method": .string(method), "at": .string("2098-12-01T10:00:00Z")])
        }
        if validated { members["account_validation"] = .object(["method": .string("micro_deposits"), "at": .string("2098-12-02T10:00:00Z")]) }
        if let name { members["name"] = .string(name) }
        return .object(members)
    }

    /// Real charges the sandbox processors made for an installment (replays of a key excluded).
    static func charges(policy: String, entry: Int = 1) throws -> Int {
        try LiveServices.count(
            "SELECT count(*) AS n FROM sandbox.card_calls WHERE kind = 'charge' AND NOT replay AND idempotency_key LIKE $1",
            ["\(policy):\(entry):%"]
        )
    }

    static func calls(policy: String, kind: String) throws -> Int {
        try LiveServices.count("SELECT count(*) AS n FROM sandbox.card_calls WHERE kind = $1 AND idempotency_key LIKE $2", [kind, "\(policy):%"])
    }

    static func status(policy: String, entry: Int = 1) throws -> String? {
        try LiveServices.database().query(
            "SELECT status FROM collector.payments WHERE policy_id = $1 AND entry_number = $2 ORDER BY attempt DESC LIMIT 1", [policy, entry]
        ).first?["status"]
    }

    /// The `data` of every event of this type the fleet published for the policy, in order.
    static func events(_ type: String, policy: String) throws -> [JSONValue] {
        try LiveServices.database().query(
            "SELECT body::text AS body FROM coverpay.payment_events WHERE type = $1 AND policy_id = $2 ORDER BY seq", [type, policy]
        ).map { try JSONValue.parse(Array(try $0.decode("body", as: String.self).utf8))["data"] ?? .null }
    }

    /// Waits until the collector knows the policy (the issuance went through its queue).
    static func known(_ policy: String) async throws {
        try await LiveServices.eventually("the collector stores policy \(policy)") {
            try LiveServices.count("SELECT count(*) AS n FROM collector.policies WHERE policy_id = $1 AND policy_number IS NOT NULL", [policy]) == 1
        }
    }
}
