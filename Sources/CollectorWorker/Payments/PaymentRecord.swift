import CoverPayCore
import Postgres

/// One collection attempt as stored in `collector.payments`.
struct PaymentRecord {
    var paymentID: String
    var policyID: String
    var entryNumber: Int
    var attempt: Int
    var messageID: String
    var rail: PaymentRail?
    var processor: String?
    var amount: Money
    var fee: Money
    var currency: String
    var status: PaymentStatus
    var idempotencyKey: String?
    /// Masked: card token or bank account last four.
    var paymentMethod: JSONValue?
    /// Which rules fired and what they decided (the `payment.routed` payload).
    var decision: JSONValue
    var ach: ACHDetails?
    /// The trace of the `installment.due` that claimed the attempt (its outcome events carry it).
    var traceID: String?
    /// Whether a request for this attempt may have reached the processor (`sent_at` is set).
    var sent = false

    struct ACHDetails {
        var secCode: SECCode
        var effectiveDate: CalendarDate
        var traceNumber: String
        var accountCiphertext: String
        var receiverName: String
        var individualIdentification: String
    }

    var total: Money { amount + fee }

    /// The card of a card attempt (its stored form is a token, never a number).
    var card: CardPaymentMethod? {
        guard let paymentMethod, case .card(let card)? = try? PaymentMethod(json: paymentMethod) else { return nil }
        return card
    }
}

extension PaymentRecord {
    static let columns = """
        payment_id, policy_id, entry_number, attempt, message_id, rail, processor, amount_cents, fee_cents, currency, status,
        idempotency_key, payment_method::text AS payment_method, decision::text AS decision, sec_code,
        effective_date::text AS effective_date, trace_number, account_ciphertext, receiver_name, individual_id, trace_id,
        sent_at IS NOT NULL AS sent
        """

    init(row: PostgresRow) throws {
        func json(_ column: String) throws -> JSONValue? { try row[column].map { try JSONValue.parse(Array($0.utf8)) } }
        paymentID = try row.decode("payment_id")
        policyID = try row.decode("policy_id")
        entryNumber = try row.decode("entry_number")
        attempt = try row.decode("attempt")
        messageID = try row.decode("message_id")
        rail = row["rail"].flatMap(PaymentRail.init(rawValue:))
        processor = row["processor"]
        amount = Money(cents: try row.decode("amount_cents"))
        fee = Money(cents: try row.decode("fee_cents"))
        currency = try row.decode("currency")
        status = PaymentStatus(rawValue: try row.decode("status")) ?? .unknown
        idempotencyKey = row["idempotency_key"]
        paymentMethod = try json("payment_method")
        decision = try json("decision") ?? .null
        traceID = row["trace_id"]
        sent = try row.decode("sent")
        if let sec = row["sec_code"].flatMap(SECCode.init(rawValue:)), let date = row["effective_date"], let trace = row["trace_number"],
           let ciphertext = row["account_ciphertext"] {
            ach = ACHDetails(
                secCode: sec, effectiveDate: try CalendarDate(iso: date), traceNumber: trace, accountCiphertext: ciphertext,
                receiverName: row["receiver_name"] ?? "", individualIdentification: row["individual_id"] ?? ""
            )
        }
    }
}
