import CoverPayCore
import Fleet
import Foundation
import Postgres

/// The collector's events about one attempt: `payment.routed`, `payment.attempted`,
/// `payment.succeeded`, `payment.failed` (schemas in Schemas/events/).
struct PaymentEvents {
    let database: PostgresConnection
    let traceID: String

    func routed(_ payment: PaymentRecord) throws {
        var data = common(payment)
        for (key, value) in payment.decision.objectValue ?? [:] { data[key] = value }
        try emit("coverpay.payment.routed", payment, data)
    }

    func attempted(_ payment: PaymentRecord) throws {
        var data = common(payment)
        data["payment_method"] = payment.paymentMethod ?? .null
        data["idempotency_key"] = payment.idempotencyKey.map(JSONValue.string)
        if let ach = payment.ach {
            data["sec_code"] = .string(ach.secCode.rawValue)
            data["effective_date"] = .string(ach.effectiveDate.description)
            data["trace_number"] = .string(ach.traceNumber)
        }
        try emit("coverpay.payment.attempted", payment, data)
    }

    func succeeded(_ payment: PaymentRecord, reference: String) throws {
        var data = common(payment)
        data["processor_reference"] = .string(reference)
        try emit("coverpay.payment.succeeded", payment, data)
    }

    func failed(_ payment: PaymentRecord, _ failure: CollectionFailure) throws {
        var data = common(payment)
        data["failure_code"] = .string(failure.code)
        data["retryable"] = .bool(failure.retryable)
        data["message"] = .string(failure.message)
        try emit("coverpay.payment.failed", payment, data)
    }

    private func common(_ payment: PaymentRecord) -> [String: JSONValue] {
        var data: [String: JSONValue] = [
            "policy_id": .string(payment.policyID), "entry_number": .number("\(payment.entryNumber)"),
            "payment_id": .string(payment.paymentID), "attempt": .number("\(payment.attempt)"),
            "amount": .string(payment.amount.description), "fee": .string(payment.fee.description),
            "total": .string(payment.total.description), "currency": .string(payment.currency),
        ]
        data["rail"] = payment.rail.map { .string($0.rawValue) }
        data["processor"] = payment.processor.map(JSONValue.string)
        return data
    }

    private func emit(_ type: String, _ payment: PaymentRecord, _ data: [String: JSONValue]) throws {
        try Outbox.enqueue(
            Outbox.makeEvent(type: type, subject: payment.policyID, data: .object(data), source: CollectorWorker.name),
            producer: CollectorWorker.name, traceID: traceID, on: database
        )
    }
}

/// The `payment.routed` part stored with each attempt: what was decided and every rule that fired.
enum RoutingDecisionJSON {
    static func routed(_ plan: CollectionPlan) -> JSONValue {
        var members = rules(plan.routingRules, plan.complianceRules)
        members["outcome"] = .string("routed")
        members["rail"] = .string(plan.route.rail.rawValue)
        members["processor"] = .string(plan.route.processor)
        members["sec_code"] = plan.route.secCode.map { .string($0.rawValue) } ?? .null
        return .object(members)
    }

    static func refused(_ refusal: CollectionRefusal) -> JSONValue {
        var members = rules(refusal.routingRules, refusal.complianceRules)
        members["outcome"] = .string("refused")
        members["failure_code"] = .string(refusal.failure.code)
        members["reason"] = .string(refusal.detail)
        return .object(members)
    }

    private static func rules(_ routing: [String], _ compliance: [FiredComplianceRule]) -> [String: JSONValue] {
        [
            "routing_rules": .array(routing.map(JSONValue.string)),
            "compliance_rules": .array(compliance.map { .object(["name": .string($0.name), "citation": .string($0.citation)]) }),
        ]
    }
}
