import CoverPayCore
import Fleet
import Postgres

/// Matches file lines to expected items, inside the caller's transaction (the import's, or the
/// payment event's), and publishes what a match means (docs/reconciliation.md):
///
/// 1. Exact key: the line's reference (ACH trace number, processor reference) against the
///    attempt's. Equal amounts (zero tolerance) → MATCHED; different → MISMATCHED and an
///    `amount_mismatch` exception at once.
/// 2. Deposits only, no key match: one unmatched ACH attempt of exactly the same amount whose
///    effective date is within `dateWindowDays` of the statement date → PARTIALLY_MATCHED (the
///    money is accounted for, the report lists it for review).
/// 3. Otherwise the line stays UNMATCHED: its attempt's event may still be on its way; the
///    `ExceptionSweepJob` turns it into an exception after the grace period.
struct Matcher {
    let database: PostgresConnection
    let traceID: String
    static let dateWindowDays = 3

    var events: ReconEvents { ReconEvents(database: database, traceID: traceID) }

    struct Item {
        var id: Int64
        var kind: String
        var reference: String
        var amount: Money
        var fee: Money
        var date: String
        var detail: JSONValue

        static let columns = "id, kind, reference, amount_cents, fee_cents, item_date::text AS item_date, detail::text AS detail"

        init(row: PostgresRow) throws {
            id = try row.decode("id")
            kind = try row.decode("kind")
            reference = try row.decode("reference")
            amount = Money(cents: try row.decode("amount_cents"))
            fee = Money(cents: try row.decode("fee_cents"))
            date = try row.decode("item_date")
            detail = try JSONValue.parse(Array(try row.decode("detail", as: String.self).utf8))
        }

        var rail: String { ["deposit", "return", "notification_of_change"].contains(kind) ? "ach" : "card" }
    }

    /// Lines that arrived before their attempt's event, now that it is here.
    func matchWaitingItems(reference: String) throws {
        for row in try database.query(
            "SELECT \(Item.columns) FROM reconciler.items WHERE reference = $1 AND status = 'UNMATCHED' ORDER BY id FOR UPDATE", [reference]
        ) {
            try match(Item(row: row))
        }
    }

    func match(itemID: Int64) throws {
        guard let row = try database.query("SELECT \(Item.columns) FROM reconciler.items WHERE id = $1 FOR UPDATE", [itemID]).first else { return }
        try match(Item(row: row))
    }

    private func match(_ item: Item) throws {
        if let expected = try expected(rail: item.rail, reference: item.reference) {
            try apply(item, to: expected, status: "MATCHED")
        } else if item.kind == "deposit", item.amount > .zero, let candidate = try candidateByAmount(item) {
            try apply(item, to: candidate, status: "PARTIALLY_MATCHED")
        }
    }

    private func expected(rail: String, reference: String) throws -> ExpectedItem? {
        try database.query(
            "SELECT \(ExpectedItem.columns) FROM reconciler.expected_items WHERE rail = $1 AND reference = $2 FOR UPDATE", [rail, reference]
        ).first.map(ExpectedItem.init(row:))
    }

    private func candidateByAmount(_ item: Item) throws -> ExpectedItem? {
        let rows = try database.query(
            """
            SELECT \(ExpectedItem.columns) FROM reconciler.expected_items
            WHERE rail = 'ach' AND status = 'UNMATCHED' AND deposited_on IS NULL AND returned_on IS NULL AND amount_cents = $1
              AND expected_on BETWEEN $2::date - $3::int AND $2::date + $3::int
            ORDER BY expected_on, payment_id LIMIT 2 FOR UPDATE
            """,
            [item.amount.cents, item.date, Self.dateWindowDays]
        )
        // Two equal candidates: no way to tell which; the line waits for an operator.
        return rows.count == 1 ? try ExpectedItem(row: rows[0]) : nil
    }

    private func apply(_ item: Item, to expected: ExpectedItem, status: String) throws {
        // A return or chargeback carries the amount taken back; a refund less than the charge is fine.
        let amountAgrees = switch item.kind {
        case "chargeback": -item.amount == expected.amount
        case "return": item.amount == expected.amount
        case "refund", "notification_of_change": true
        default: item.amount == expected.amount
        }
        guard amountAgrees else {
            try setStatus(item, expected, "MISMATCHED")
            try ExceptionBook(database: database, traceID: traceID).open(
                kind: "amount_mismatch", rail: item.rail, amount: item.amount - expected.amount, reference: item.reference, itemID: item.id,
                paymentID: expected.paymentID, policyID: expected.policyID,
                detail: "\(item.kind) of \(item.amount) for an attempt of \(expected.amount) (zero tolerance)", on: item.date
            )
            return
        }
        try setStatus(item, expected, status)
        try ExceptionBook(database: database, traceID: traceID).resolveMatched(itemID: item.id, paymentID: expected.paymentID)
        switch item.kind {
        case "deposit":
            try database.query(
                "UPDATE reconciler.expected_items SET deposited_on = COALESCE(deposited_on, $2::date) WHERE payment_id = $1", [expected.paymentID, item.date]
            )
            if !expected.succeededPublished, expected.returnedOn == nil {
                try database.query("UPDATE reconciler.expected_items SET succeeded_published = true WHERE payment_id = $1", [expected.paymentID])
                try events.succeeded(expected, traceNumber: expected.reference ?? item.reference, on: item.date)
            }
        case "return":
            guard expected.returnedOn == nil else { return }
            try database.query("UPDATE reconciler.expected_items SET returned_on = $2::date WHERE payment_id = $1", [expected.paymentID, item.date])
            let code = item.detail["return_code"]?.stringValue.flatMap(ACHReturnCode.init) ?? ACHReturnCode("R01")!
            try events.returned(expected, failure: .achReturned(code), returnCode: code.rawValue, late: expected.succeededPublished, on: item.date)
        case "notification_of_change":
            try ExceptionBook(database: database, traceID: traceID).open(
                kind: "notification_of_change", rail: "ach", amount: .zero, reference: item.reference, itemID: item.id, paymentID: expected.paymentID,
                policyID: expected.policyID,
                detail: "\(item.detail["change_code"]?.stringValue ?? "C??"): corrected data '\(item.detail["corrected_data"]?.stringValue ?? "")'; update the payment method",
                on: item.date
            )
        case "charge":
            guard expected.settledOn == nil else { return }
            try database.query(
                "UPDATE reconciler.expected_items SET settled_on = $2::date, processor_fee_cents = $3 WHERE payment_id = $1",
                [expected.paymentID, item.date, item.fee.cents]
            )
            try events.settled(expected, reference: item.reference, on: item.date, processorFee: item.fee)
        case "chargeback":
            guard expected.returnedOn == nil else { return }
            try database.query("UPDATE reconciler.expected_items SET returned_on = $2::date WHERE payment_id = $1", [expected.paymentID, item.date])
            try events.chargeback(expected, on: item.date)
        default:
            break
        }
    }

    private func setStatus(_ item: Item, _ expected: ExpectedItem, _ status: String) throws {
        try database.query("UPDATE reconciler.items SET status = $2, payment_id = $3 WHERE id = $1", [item.id, status, expected.paymentID])
        // A return, refund or chargeback does not change how the attempt's money was matched; a
        // return of a debit that was never deposited accounts for it.
        if ["deposit", "charge"].contains(item.kind) || status == "MISMATCHED" || (item.kind == "return" && expected.status == "UNMATCHED") {
            try database.query("UPDATE reconciler.expected_items SET status = $2 WHERE payment_id = $1", [expected.paymentID, status])
        }
    }
}
