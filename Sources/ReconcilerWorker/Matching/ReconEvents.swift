import CoverPayCore
import Fleet
import Postgres

/// The reconciler's events (docs/payment-loop.md): each carries the attempt's common payment
/// fields, as the collector published them, plus its own.
struct ReconEvents {
    let database: PostgresConnection
    let traceID: String

    static let commonFieldNames = ["policy_id", "entry_number", "payment_id", "attempt", "amount", "fee", "total", "currency", "rail", "processor"]

    static func commonFields(_ data: JSONValue) -> JSONValue {
        .object((data.objectValue ?? [:]).filter { commonFieldNames.contains($0.key) })
    }

    func succeeded(_ item: ExpectedItem, traceNumber: String, on date: String) throws {
        try emit("coverpay.payment.succeeded", item, ["trace_number": .string(traceNumber), "succeeded_on": .string(date)])
    }

    func settled(_ item: ExpectedItem, reference: String, on date: String, processorFee: Money) throws {
        try emit("coverpay.payment.settled", item, [
            "settled_on": .string(date), "reference": .string(reference), "processor_fee": .string(processorFee.description),
            "net": .string((item.amount - processorFee).description),
        ])
    }

    func returned(_ item: ExpectedItem, failure: CollectionFailure, returnCode: String?, late: Bool, on date: String) throws {
        var fields: [String: JSONValue] = [
            "failure_code": .string(failure.code), "late": .bool(late), "returned_on": .string(date), "retryable": .bool(failure.retryable),
            "message": .string(failure.message),
        ]
        fields["return_code"] = returnCode.map(JSONValue.string)
        try emit("coverpay.payment.returned", item, fields)
    }

    func chargeback(_ item: ExpectedItem, on date: String) throws {
        try emit("coverpay.payment.returned", item, [
            "failure_code": .string("card_chargeback"), "late": .bool(true), "returned_on": .string(date), "retryable": .bool(false),
            "message": .string("the cardholder charged the payment back"),
        ])
    }

    func exception(id: Int64, kind: String, rail: String, status: String, amount: Money, reference: String, detail: String, policyID: String?) throws {
        var data: [String: JSONValue] = [
            "exception_id": .string(String(id)), "kind": .string(kind), "status": .string(status), "amount": .string(amount.description),
            "reference": .string(reference), "detail": .string(detail), "rail": .string(rail),
        ]
        data["policy_id"] = policyID.map(JSONValue.string)
        try Outbox.enqueue(
            Outbox.makeEvent(type: "coverpay.recon.exception", subject: policyID, data: .object(data), source: ReconcilerWorker.name),
            producer: ReconcilerWorker.name, traceID: traceID, on: database
        )
    }

    private func emit(_ type: String, _ item: ExpectedItem, _ fields: [String: JSONValue]) throws {
        var data = item.payment.objectValue ?? [:]
        for (key, value) in fields { data[key] = value }
        try Outbox.enqueue(
            Outbox.makeEvent(type: type, subject: item.policyID, data: .object(data), source: ReconcilerWorker.name),
            producer: ReconcilerWorker.name, traceID: traceID, on: database
        )
    }
}

/// One row of reconciler.expected_items.
struct ExpectedItem {
    var paymentID: String
    var policyID: String
    var rail: String
    var reference: String?
    var amount: Money
    var expectedOn: CalendarDate
    var payment: JSONValue
    var status: String
    var depositedOn: String?
    var succeededPublished: Bool
    var settledOn: String?
    var returnedOn: String?

    static let columns = """
        payment_id, policy_id, rail, reference, amount_cents, expected_on::text AS expected_on, payment::text AS payment, status,
        deposited_on::text AS deposited_on, succeeded_published, settled_on::text AS settled_on, returned_on::text AS returned_on
        """

    init(row: PostgresRow) throws {
        paymentID = try row.decode("payment_id")
        policyID = try row.decode("policy_id")
        rail = try row.decode("rail")
        reference = row["reference"]
        amount = Money(cents: try row.decode("amount_cents"))
        expectedOn = try CalendarDate(iso: try row.decode("expected_on"))
        payment = try JSONValue.parse(Array(try row.decode("payment", as: String.self).utf8))
        status = try row.decode("status")
        depositedOn = row["deposited_on"]
        succeededPublished = try row.decode("succeeded_published")
        settledOn = row["settled_on"]
        returnedOn = row["returned_on"]
    }
}
