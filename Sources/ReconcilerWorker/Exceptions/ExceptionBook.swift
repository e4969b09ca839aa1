import CoverPayCore
import Fleet
import Postgres

/// reconciler.exceptions: opened once per (kind, line) or (kind, attempt), each announced with
/// `recon.exception`; resolved by an operator (`coverpay recon exceptions resolve`) or, for a line
/// or attempt that was matched after all, by the reconciler.
public struct ExceptionBook {
    let database: PostgresConnection
    let traceID: String

    public init(database: PostgresConnection, traceID: String) {
        self.database = database
        self.traceID = traceID
    }

    var events: ReconEvents { ReconEvents(database: database, traceID: traceID) }

    func open(
        kind: String, rail: String, amount: Money, reference: String, itemID: Int64?, paymentID: String?, policyID: String?, detail: String, on date: String
    ) throws {
        let conflict = itemID == nil ? "(kind, payment_id) WHERE item_id IS NULL AND payment_id IS NOT NULL" : "(kind, item_id) WHERE item_id IS NOT NULL"
        guard let row = try database.query(
            """
            INSERT INTO reconciler.exceptions (kind, rail, amount_cents, reference, item_id, payment_id, detail, opened_on)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date) ON CONFLICT \(conflict) DO NOTHING RETURNING id
            """,
            [kind, rail, amount.cents, reference, itemID, paymentID, detail, date]
        ).first else { return }
        try events.exception(id: try row.decode("id"), kind: kind, rail: rail, status: "open", amount: amount, reference: reference, detail: detail, policyID: policyID)
    }

    /// A line or attempt that found its partner after its exception was opened.
    func resolveMatched(itemID: Int64, paymentID: String) throws {
        try database.query(
            """
            UPDATE reconciler.exceptions SET status = 'RESOLVED', resolved_by = 'reconciler', resolution = 'matched after all', resolved_at = now()
            WHERE status = 'open' AND kind <> 'amount_mismatch' AND kind <> 'notification_of_change'
              AND (item_id = $1 OR (item_id IS NULL AND payment_id = $2))
            """,
            [itemID, paymentID]
        )
    }

    /// An operator's resolution: the exception, and the line and attempt it is about, become
    /// RESOLVED; `recon.exception` announces it. False when there is no open exception with this id.
    public func resolve(id: Int64, operator name: String, reason: String) throws -> Bool {
        guard let row = try database.query(
            """
            UPDATE reconciler.exceptions SET status = 'RESOLVED', resolved_by = $2, resolution = $3, resolved_at = now()
            WHERE id = $1 AND status = 'open'
            RETURNING kind, rail, amount_cents, reference, item_id, payment_id, detail
            """,
            [id, name, reason]
        ).first else { return false }
        if let item = row["item_id"] {
            try database.query("UPDATE reconciler.items SET status = 'RESOLVED' WHERE id = $1::bigint AND status IN ('UNMATCHED', 'MISMATCHED')", [item])
        }
        var policyID: String?
        if let payment = row["payment_id"] {
            policyID = try database.query(
                "UPDATE reconciler.expected_items SET status = 'RESOLVED' WHERE payment_id = $1 AND status IN ('UNMATCHED', 'MISMATCHED') RETURNING policy_id",
                [payment]
            ).first?["policy_id"] ?? database.query("SELECT policy_id FROM reconciler.expected_items WHERE payment_id = $1", [payment]).first?["policy_id"]
        }
        try events.exception(
            id: id, kind: try row.decode("kind"), rail: try row.decode("rail"), status: "RESOLVED", amount: Money(cents: try row.decode("amount_cents")),
            reference: try row.decode("reference"), detail: "\(try row.decode("detail", as: String.self)); resolved by \(name): \(reason)", policyID: policyID
        )
        return true
    }
}
