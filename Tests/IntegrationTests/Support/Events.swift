import CoverPayCore
import Foundation

/// CloudEvents as upstream systems send them, with unique ids so tests never see each other's data.
enum Events {
    static func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func envelope(_ type: String, policy: String, id: String = uniqueID("evt"), data: [String: JSONValue]) -> JSONValue {
        var payload = data
        payload["policy_id"] = .string(policy)
        return .object([
            "specversion": .string("1.0"), "id": .string(id), "source": .string("tests/upstream"),
            "type": .string(type), "subject": .string(policy), "time": .string("2026-01-01T00:00:00Z"),
            "datacontenttype": .string("application/json"), "data": .object(payload),
        ])
    }

    static func item(_ ref: String, premium: String, fee: String = "0.00", tax: String = "0.00", kind: String = "coverage") -> JSONValue {
        .object(["kind": .string(kind), "ref": .string(ref), "name": .string(ref.capitalized), "premium": .string(premium), "fee": .string(fee), "tax": .string(tax)])
    }

    static func issued(
        policy: String, start: String = "2026-01-01", end: String = "2027-01-01", frequency: String = "monthly",
        method: String = "modal", paymentMethod: JSONValue = card(), items: [JSONValue] = [item("dwelling", premium: "1200.00", fee: "60.00", tax: "24.00")],
        id: String = uniqueID("evt"), currency: String = "USD"
    ) -> JSONValue {
        envelope("coverpay.policy.issued", policy: policy, id: id, data: [
            "policy_number": .string("PN-\(policy)"), "transaction_id": .string("\(policy)-tx1"), "sequence": .number("1"),
            "effective_date": .string(start), "state": .string("CA"), "line_of_business": .string("homeowners"),
            "term": .object(["start": .string(start), "end": .string(end)]), "currency": .string(currency),
            "billing": .object(["frequency": .string(frequency), "calculation_method": .string(method)]),
            "payment_method": paymentMethod, "carrier_id": .string("CARRIER-1"), "agency_id": .string("AGENCY-1"),
            "commission_rate": .string("0.10"), "items": .array(items),
        ])
    }

    static func change(
        _ type: String, policy: String, sequence: Int, effective: String, items: [JSONValue], extra: [String: JSONValue] = [:],
        id: String = uniqueID("evt")
    ) -> JSONValue {
        var data: [String: JSONValue] = [
            "transaction_id": .string("\(policy)-tx\(sequence)"), "sequence": .number("\(sequence)"),
            "effective_date": .string(effective), "items": .array(items),
        ]
        data.merge(extra) { $1 }
        return envelope(type, policy: policy, id: id, data: data)
    }

    static func paymentSucceeded(policy: String, entry: Int, id: String = uniqueID("pay")) -> JSONValue {
        envelope("coverpay.payment.succeeded", policy: policy, id: id, data: [
            "entry_number": .number("\(entry)"), "payment_id": .string(id), "amount": .string("100.00"),
        ])
    }

    static func card(token: String = "tok_success") -> JSONValue {
        .object(["type": .string("card"), "token": .string(token), "brand": .string("visa"), "last4": .string("4242")])
    }
}
