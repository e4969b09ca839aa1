import CoverPayCore

/// Valid events to mutate: one per type upstream systems and workers publish, about policies of the
/// run's own (`FUZZ-<run>-…`), dated far in the future so that nothing comes due while fuzzing.
struct FuzzCorpus {
    let runID: String

    func event(type: String, id: String, index: Int) -> JSONValue {
        let policy = "FUZZ-\(runID)-\(index % 17)"
        var data = self.data(type: type, policy: policy, index: index)
        data["policy_id"] = .string(policy)
        return .object([
            "specversion": .string("1.0"), "id": .string(id), "source": .string("coverpay/fuzz"), "type": .string(type),
            "subject": .string(policy), "time": .string("2099-01-01T00:00:00Z"), "datacontenttype": .string("application/json"),
            "data": .object(data),
        ])
    }

    private func data(type: String, policy: String, index: Int) -> [String: JSONValue] {
        let item: JSONValue = .object([
            "kind": .string("coverage"), "ref": .string("dwelling"), "name": .string("Dwelling"),
            "premium": .string("1200.00"), "fee": .string("12.00"), "tax": .string("24.00"),
        ])
        let card: JSONValue = .object(["type": .string("card"), "token": .string("tok_success"), "brand": .string("visa"), "last4": .string("4242")])
        let payment: [String: JSONValue] = [
            "entry_number": .number("1"), "payment_id": .string("fuzz-pay-\(runID)-\(index)"), "attempt": .number("1"),
            "amount": .string("100.00"), "fee": .string("0.00"), "total": .string("100.00"), "currency": .string("USD"),
            "rail": .string("card"), "processor": .string("sandbox-a"),
        ]
        switch type {
        case "coverpay.policy.issued":
            return [
                "policy_number": .string("PN-\(policy)"), "transaction_id": .string("\(policy)-t\(index)"), "sequence": .number("1"),
                "effective_date": .string("2099-01-01"), "state": .string("CA"), "line_of_business": .string("homeowners"),
                "term": .object(["start": .string("2099-01-01"), "end": .string("2100-01-01")]), "currency": .string("USD"),
                "billing": .object(["frequency": .string("monthly"), "calculation_method": .string("modal")]), "payment_method": card,
                "carrier_id": .string("CARRIER-1"), "agency_id": .string("AGENCY-1"), "commission_rate": .string("0.10"), "items": .array([item]),
            ]
        case "coverpay.policy.endorsed", "coverpay.policy.cancelled", "coverpay.policy.reinstated":
            return [
                "transaction_id": .string("\(policy)-t\(index)"), "sequence": .number("2"), "effective_date": .string("2099-06-01"),
                "reason": .string("insured_request"), "items": .array([item]),
            ]
        case "coverpay.payment_method.updated":
            return ["payment_method": card]
        case "coverpay.payment.received":
            return ["amount": .string("100.00"), "received_on": .string("2099-01-05"), "reference": .string("CHK-\(index)")]
        case "coverpay.installment.due":
            return [
                "policy_number": .string("PN-\(policy)"), "entry_number": .number("1"), "schedule_date": .string("2099-02-01"),
                "due_date": .string("2099-02-01"), "transaction": .string("issuance"), "amount": .string("100.00"),
                "premium": .string("100.00"), "fee": .string("0.00"), "tax": .string("0.00"), "currency": .string("USD"),
                "state": .string("CA"), "line_of_business": .string("homeowners"),
            ]
        case "coverpay.payment.failed":
            return payment.merging(["failure_code": .string("card_soft_decline"), "retryable": .bool(true), "message": .string("declined")]) { $1 }
        case "coverpay.payment.returned":
            return payment.merging([
                "rail": .string("ach"), "failure_code": .string("ach_return_R01"), "return_code": .string("R01"),
                "late": .bool(false), "returned_on": .string("2099-02-03"), "retryable": .bool(true),
            ]) { $1 }
        default:
            return payment
        }
    }
}
