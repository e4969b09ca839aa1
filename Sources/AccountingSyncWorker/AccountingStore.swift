import CoverPayCore
import Fleet
import Postgres

/// accounting-sync's own copies (migration 009): policies, installment splits, what each payment posted.
enum AccountingStore {
    /// The policy's carrier and commission rate. An unknown policy is bad input (`unknown_policy`),
    /// except where the event can overtake its `policy.issued` (`retryIfUnknown`): `installment.due`
    /// of a just-issued policy, handled by another replica before the issuance commits.
    static func terms(_ policyID: String, retryIfUnknown: Bool = false, _ database: PostgresConnection) throws -> PolicyTerms {
        guard let row = try database.query("SELECT carrier_id, commission_rate FROM accounting.policies WHERE policy_id = $1", [policyID]).first else {
            let detail = "accounting-sync has no policy '\(policyID)' (no policy.issued seen for it)"
            throw retryIfUnknown ? HandlerError.transient(detail) : HandlerError.rejected(reason: "unknown_policy", detail: detail)
        }
        let text: String = try row.decode("commission_rate")
        let rate = try LedgerRejection.rejecting { try CommissionRate(parsing: text) }
        return PolicyTerms(carrierID: try row.decode("carrier_id"), commissionRate: rate)
    }

    static func split(_ policyID: String, _ entryNumber: Int, _ database: PostgresConnection) throws -> InstallmentSplit? {
        try database.query(
            "SELECT premium_cents, fee_cents, tax_cents FROM accounting.installments WHERE policy_id = $1 AND entry_number = $2",
            [policyID, entryNumber]
        ).first.map { row in
            InstallmentSplit(premium: Money(cents: try row.decode("premium_cents")), fee: Money(cents: try row.decode("fee_cents")), tax: Money(cents: try row.decode("tax_cents")))
        }
    }

    struct StoredPayment {
        var policyID: String
        var entryNumber: Int
        var status: String
        var unapplied: Bool
        var posted: CollectedPayment
    }

    /// The payment's row, locked for the rest of the transaction (one event of a payment at a time).
    static func lockPayment(_ paymentID: String, _ database: PostgresConnection) throws -> StoredPayment? {
        try database.query(
            """
            SELECT policy_id, entry_number, rail, carrier_id, total_cents, carrier_net_cents, tax_cents, commission_cents, fees_cents,
                   return_fees_cents, status, unapplied
            FROM accounting.payments WHERE payment_id = $1 FOR UPDATE
            """,
            [paymentID]
        ).first.map { row in
            func money(_ column: String) throws -> Money { Money(cents: try row.decode(column)) }
            return StoredPayment(
                policyID: try row.decode("policy_id"), entryNumber: try row.decode("entry_number"), status: try row.decode("status"),
                unapplied: try row.decode("unapplied"),
                posted: CollectedPayment(
                    rail: PaymentRail(rawValue: try row.decode("rail")) ?? .card, carrierID: try row.decode("carrier_id"), total: try money("total_cents"),
                    carrierNet: try money("carrier_net_cents"), tax: try money("tax_cents"), commission: try money("commission_cents"),
                    fees: try money("fees_cents"), returnFees: try money("return_fees_cents")
                )
            )
        }
    }

    static func insertPayment(_ paymentID: String, policyID: String, entryNumber: Int, collectedOn: String, _ payment: CollectedPayment, _ database: PostgresConnection) throws {
        try database.query(
            """
            INSERT INTO accounting.payments (payment_id, policy_id, entry_number, rail, carrier_id, total_cents, carrier_net_cents, tax_cents,
                commission_cents, fees_cents, return_fees_cents, status, collected_on)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'collected', $12::date)
            """,
            [paymentID, policyID, entryNumber, payment.rail.rawValue, payment.carrierID, payment.total.cents, payment.carrierNet.cents,
             payment.tax.cents, payment.commission.cents, payment.fees.cents, payment.returnFees.cents, collectedOn]
        )
    }

    /// Serialises the fee events of one installment (an assessment, its write-off) across consumers
    /// and replicas: without it, a write-off and an assessment handled at once would each miss the other.
    static func lockEntry(_ policyID: String, _ entryNumber: Int?, _ database: PostgresConnection) throws {
        guard let entryNumber else { return }
        try database.query("SELECT pg_advisory_xact_lock(hashtextextended('accounting.entry:' || $1 || ':' || $2, 0))", [policyID, entryNumber])
    }

    static func isWrittenOff(_ policyID: String, _ entryNumber: Int?, _ database: PostgresConnection) throws -> Bool {
        guard let entryNumber else { return false }
        return try database.query(
            "SELECT 1 FROM accounting.installments WHERE policy_id = $1 AND entry_number = $2 AND written_off", [policyID, entryNumber]
        ).first != nil
    }

    /// Return fees assessed on the entry and not yet collected, waived or written off.
    static func returnFeesDue(_ policyID: String, _ entryNumber: Int, _ database: PostgresConnection) throws -> [(feeID: String, amount: Money)] {
        try database.query(
            "SELECT fee_id, amount_cents FROM accounting.return_fees WHERE policy_id = $1 AND entry_number = $2 AND status = 'assessed' ORDER BY fee_id FOR UPDATE",
            [policyID, entryNumber]
        ).map { (feeID: try $0.decode("fee_id", as: String.self), amount: Money(cents: try $0.decode("amount_cents", as: Int64.self))) }
    }
}

/// Turns a posting rule's refusal into a dead-letter rejection with the rule's reason code.
enum LedgerRejection {
    static func rejecting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw HandlerError.rejected(reason: error.code.rawValue, detail: error.message)
        }
    }
}
