import CoverPayCore
import Postgres

/// What the collector knows of a policy, from the policy events it consumes.
public struct CollectorPolicy {
    public var policyID: String
    public var policyNumber: String?
    public var state: String?
    public var lineOfBusiness: String?
    var paymentMethod: SealedPaymentMethod?
    public var cancelled: Bool

    /// Masked: safe to print.
    public var maskedPaymentMethod: JSONValue? { paymentMethod?.masked }

    /// Whether the bank account passed validation, from the method's optional `account_validation`
    /// object (`{method, at}`): a prenote, micro-deposits or a validation service (NACHA WEB rule).
    var accountValidated: Bool {
        paymentMethod?.masked["account_validation"]?["method"]?.stringValue?.isEmpty == false
    }
}

/// `collector.policies`: one row per policy, updated by the policy events.
public enum CollectorPolicyStore {
    public static func load(_ policyID: String, _ database: PostgresConnection) throws -> CollectorPolicy? {
        try database.query(
            """
            SELECT policy_id, policy_number, state, line_of_business, payment_method::text AS payment_method,
                   account_ciphertext, cancelled
            FROM collector.policies WHERE policy_id = $1
            """,
            [policyID]
        ).first.map { row in
            CollectorPolicy(
                policyID: try row.decode("policy_id"), policyNumber: row["policy_number"], state: row["state"],
                lineOfBusiness: row["line_of_business"],
                paymentMethod: try row["payment_method"].map { text in
                    SealedPaymentMethod(masked: try JSONValue.parse(Array(text.utf8)), accountCiphertext: row["account_ciphertext"])
                },
                cancelled: try row.decode("cancelled")
            )
        }
    }

    /// Issuance: the policy's facts, and its payment method unless a later update already set one.
    /// A cancellation applied before the issuance arrived (higher sequence) is kept.
    static func applyIssuance(
        policyID: String, policyNumber: String, state: String, lineOfBusiness: String, sequence: Int,
        paymentMethod: SealedPaymentMethod?, _ database: PostgresConnection
    ) throws {
        try database.query(
            """
            INSERT INTO collector.policies AS p (policy_id, policy_number, state, line_of_business, payment_method, account_ciphertext, status_sequence)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
            ON CONFLICT (policy_id) DO UPDATE SET
                policy_number = excluded.policy_number, state = excluded.state, line_of_business = excluded.line_of_business,
                payment_method = coalesce(p.payment_method, excluded.payment_method),
                account_ciphertext = CASE WHEN p.payment_method IS NULL THEN excluded.account_ciphertext ELSE p.account_ciphertext END,
                cancelled = CASE WHEN excluded.status_sequence > p.status_sequence THEN false ELSE p.cancelled END,
                status_sequence = greatest(p.status_sequence, excluded.status_sequence),
                updated_at = now()
            """,
            [policyID, policyNumber, state, lineOfBusiness, paymentMethod?.masked.serialized(), paymentMethod?.accountCiphertext, sequence]
        )
    }

    /// `payment_method.updated` replaces the method (these events carry no sequence; the latest wins).
    static func applyPaymentMethod(policyID: String, _ method: SealedPaymentMethod, _ database: PostgresConnection) throws {
        try database.query(
            """
            INSERT INTO collector.policies (policy_id, payment_method, account_ciphertext) VALUES ($1, $2::jsonb, $3)
            ON CONFLICT (policy_id) DO UPDATE SET payment_method = excluded.payment_method,
                account_ciphertext = excluded.account_ciphertext, updated_at = now()
            """,
            [policyID, method.masked.serialized(), method.accountCiphertext]
        )
    }

    /// Cancellation or reinstatement, applied only if newer than the last status change.
    static func applyStatus(policyID: String, cancelled: Bool, sequence: Int, _ database: PostgresConnection) throws {
        try database.query(
            """
            INSERT INTO collector.policies AS p (policy_id, cancelled, status_sequence) VALUES ($1, $2, $3)
            ON CONFLICT (policy_id) DO UPDATE SET cancelled = excluded.cancelled, status_sequence = excluded.status_sequence, updated_at = now()
            WHERE p.status_sequence < excluded.status_sequence
            """,
            [policyID, cancelled, sequence]
        )
    }
}
