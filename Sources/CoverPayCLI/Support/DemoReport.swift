import AccountingSyncWorker
import CoverPayCore
import Foundation
import Postgres

/// The end-of-run report a finance lead reads: what was billed, collected, settled, failed,
/// retried, recovered, returned, what is delinquent, and what the ledger says.
///
/// Every figure comes from data every deployment has: the published-event timeline
/// (`coverpay.payment_events`, by the types of docs/payment-loop.md), `collector.payments`,
/// `scheduler.*` and the ledger (`ledger.*`, migration 007). A section whose source is still empty
/// -- e.g. no retrier has published `retry.scheduled` -- says so instead of failing.
struct DemoReport {
    struct Row {
        let label: String
        let text: String
        /// The same figures as data (counts as numbers, amounts as decimal strings).
        let data: [String: JSONValue]
    }

    struct Section {
        let title: String
        var rows: [Row] = []
        /// Shown instead of rows when the section's source is empty.
        var empty: String?
    }

    let runID: String
    let period: String
    var sections: [Section] = []

    static func build(_ database: PostgresConnection, prefix: String, runID: String, from: CalendarDate, to: CalendarDate) throws -> DemoReport {
        var report = DemoReport(runID: runID, period: "\(from) to \(to)")
        let reader = DemoReportQueries(database: database, prefix: prefix)
        report.sections = try [
            reader.book(), reader.billing(through: to), reader.collections(), reader.settlements(), reader.failures(),
            reader.retries(), reader.recoveries(), reader.returns(), reader.delinquency(), reader.notices(),
            reader.cancellations(), reader.refunds(), reader.unappliedCash(), reader.writeOffs(),
            reader.reconciliationExceptions(), reader.trialBalance(), reader.againstTheLedger(), reader.trustCheck(), reader.glSync(), reader.whereToLook(),
        ]
        return report
    }

    var json: JSONValue {
        .object([
            "run_id": .string(runID), "period": .string(period),
            "sections": .array(sections.map { section in
                .object([
                    "title": .string(section.title), "empty": section.rows.isEmpty ? section.empty.map(JSONValue.string) ?? .null : .null,
                    "rows": .array(section.rows.map { row in
                        .object(["label": .string(row.label), "text": .string(row.text), "data": .object(row.data)])
                    }),
                ])
            }),
        ])
    }

    func print() {
        Swift.print("\nCoverPay demo report — run \(runID), business dates \(period)")
        for section in sections {
            Swift.print("\n\(section.title)")
            if let empty = section.empty, section.rows.isEmpty {
                Swift.print("  \(empty)")
                continue
            }
            let width = section.rows.map(\.label.count).max() ?? 0
            for row in section.rows {
                Swift.print("  \(row.label.padding(toLength: width, withPad: " ", startingAt: 0))  \(row.text)")
            }
        }
    }
}

/// The report's queries, one per section, over the run's policies (`policy_id LIKE prefix%`).
struct DemoReportQueries {
    let database: PostgresConnection
    let prefix: String

    private func rows(_ sql: String, _ extra: [(any PostgresEncodable)?] = []) throws -> [PostgresRow] {
        try database.query(sql, [prefix] + extra)
    }

    /// Cents of a decimal-string amount inside an event's data, in SQL.
    private static func cents(_ field: String) -> String {
        "coalesce(round((body->'data'->>'\(field)')::numeric * 100), 0)::bigint"
    }

    private static let runEvents = "FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%'"

    private func money(_ row: PostgresRow, _ column: String) -> Money { Money(cents: Int64(row[column] ?? "0") ?? 0) }

    /// "$107,777.45": dollars grouped by thousands, for reading (the JSON keeps plain decimal strings).
    private func dollars(_ amount: Money) -> String {
        let text = (amount.isNegative ? -amount : amount).description
        let point = text.firstIndex(of: ".") ?? text.endIndex
        var whole = String(text[..<point])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        return (amount.isNegative ? "-$" : "$") + whole + grouped + text[point...]
    }
    private func count(_ row: PostgresRow, _ column: String) -> Int { Int(row[column] ?? "0") ?? 0 }

    /// "12 payments, $1,234.50", with the same figures as data.
    private func countAndAmount(_ label: String, _ row: PostgresRow, noun: String, count countColumn: String = "n", cents: String = "cents", extra: [String: JSONValue] = [:]) -> DemoReport.Row {
        let n = count(row, countColumn), amount = money(row, cents)
        var data: [String: JSONValue] = ["count": .number("\(n)"), "amount": .string(amount.description)]
        data.merge(extra) { $1 }
        return DemoReport.Row(label: label, text: "\(n) \(noun), \(dollars(amount))", data: data)
    }

    private func eventSection(_ title: String, empty: String, _ sql: String, label: (PostgresRow) -> String, noun: String) throws -> DemoReport.Section {
        let found = try rows(sql)
        return DemoReport.Section(title: title, rows: found.map { countAndAmount(label($0), $0, noun: noun) }, empty: empty)
    }

    func book() throws -> DemoReport.Section {
        let row = try rows("""
            SELECT count(*) AS policies, count(*) FILTER (WHERE rail = 'card') AS card, count(*) FILTER (WHERE rail = 'ach') AS ach,
                   coalesce(string_agg(DISTINCT state, ', ' ORDER BY state), '-') AS states,
                   coalesce(string_agg(DISTINCT line_of_business, ', ' ORDER BY line_of_business), '-') AS lines
            FROM scheduler.policies WHERE policy_id LIKE $1 || '%' AND last_sequence > 0
            """)[0]
        return DemoReport.Section(title: "Book", rows: [
            .init(label: "policies", text: "\(count(row, "policies")) (\(count(row, "card")) paying by card, \(count(row, "ach")) by ACH)",
                  data: ["policies": .number("\(count(row, "policies"))"), "card": .number("\(count(row, "card"))"), "ach": .number("\(count(row, "ach"))")]),
            .init(label: "states", text: row["states"] ?? "-", data: ["states": .string(row["states"] ?? "")]),
            .init(label: "lines", text: row["lines"] ?? "-", data: ["lines": .string(row["lines"] ?? "")]),
        ])
    }

    func billing(through last: CalendarDate) throws -> DemoReport.Section {
        let row = try rows("""
            SELECT count(*) FILTER (WHERE billed) AS billed, coalesce(sum(total_cents) FILTER (WHERE billed), 0) AS billed_cents,
                   coalesce(sum(premium_cents) FILTER (WHERE billed), 0) AS premium, coalesce(sum(fee_cents) FILTER (WHERE billed), 0) AS fee,
                   coalesce(sum(tax_cents) FILTER (WHERE billed), 0) AS tax,
                   count(*) FILTER (WHERE billed AND is_paid) AS paid, coalesce(sum(total_cents) FILTER (WHERE billed AND is_paid), 0) AS paid_cents,
                   count(*) FILTER (WHERE billed AND NOT is_paid) AS open, coalesce(sum(total_cents) FILTER (WHERE billed AND NOT is_paid), 0) AS open_cents,
                   count(*) FILTER (WHERE status = 'Invalid') AS invalid
            FROM (SELECT *, status = 'Valid' AND total_cents > 0 AND due_date <= $2::date AS billed
                  FROM scheduler.entries WHERE policy_id LIKE $1 || '%') entries
            """, [last.description])[0]
        return DemoReport.Section(title: "Billed (scheduler)", rows: [
            countAndAmount("billed", row, noun: "installments due", count: "billed", cents: "billed_cents", extra: [
                "premium": .string(money(row, "premium").description), "fee": .string(money(row, "fee").description), "tax": .string(money(row, "tax").description),
            ]),
            .init(label: "of which", text: "premium \(dollars(money(row, "premium"))), fees \(dollars(money(row, "fee"))), taxes \(dollars(money(row, "tax")))", data: [:]),
            countAndAmount("paid", row, noun: "installments", count: "paid", cents: "paid_cents"),
            countAndAmount("still open", row, noun: "installments", count: "open", cents: "open_cents"),
            .init(label: "invalidated", text: "\(count(row, "invalid")) entries (cancellations)", data: ["count": .number("\(count(row, "invalid"))")]),
        ])
    }

    func collections() throws -> DemoReport.Section {
        var section = try eventSection(
            "Collected by rail (payment.succeeded)", empty: "nothing collected yet",
            "SELECT coalesce(body->'data'->>'rail', '-') AS rail, count(*) AS n, sum(\(Self.cents("total"))) AS cents \(Self.runEvents) AND type = 'coverpay.payment.succeeded' GROUP BY 1 ORDER BY 1",
            label: { $0["rail"] ?? "-" }, noun: "payments"
        )
        let statuses = try rows("SELECT status, count(*) AS n, sum(amount_cents + fee_cents) AS cents FROM collector.payments WHERE policy_id LIKE $1 || '%' GROUP BY 1 ORDER BY 1")
        section.rows += statuses.map { countAndAmount("attempts \($0["status"] ?? "-")", $0, noun: "attempts (collector.payments)") }
        return section
    }

    func settlements() throws -> DemoReport.Section {
        let row = try rows("""
            SELECT count(*) AS n, coalesce(sum(\(Self.cents("total"))), 0) AS cents, coalesce(sum(\(Self.cents("processor_fee"))), 0) AS fees,
                   coalesce(sum(\(Self.cents("net"))), 0) AS net, coalesce(body->'data'->>'rail', '-') AS rail
            \(Self.runEvents) AND type = 'coverpay.payment.settled' GROUP BY rail ORDER BY rail
            """)
        var section = DemoReport.Section(title: "Settled (payment.settled, final)", rows: row.map { row in
            countAndAmount(row["rail"] ?? "-", row, noun: "payments", extra: ["processor_fees": .string(money(row, "fees").description), "net": .string(money(row, "net").description)])
        }, empty: "no settlements yet (the reconciler publishes payment.settled from the bank and processor files)")
        // A chargeback or late return after settlement takes the money back: the ledger keeps none of it.
        let since = try rows("""
            SELECT count(*) AS n, coalesce(sum(\(Self.cents("total"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.payment.settled'
              AND EXISTS (SELECT 1 FROM coverpay.payment_events r WHERE r.type = 'coverpay.payment.returned' AND r.policy_id = payment_events.policy_id
                          AND r.body->'data'->>'payment_id' = payment_events.body->'data'->>'payment_id')
            """)[0]
        if count(since, "n") > 0 { section.rows.append(countAndAmount("of which returned since", since, noun: "payments (charged back or returned late)")) }
        return section
    }

    func failures() throws -> DemoReport.Section {
        try eventSection(
            "Failed attempts (payment.failed)", empty: "no failed attempts",
            """
            SELECT body->'data'->>'failure_code' AS code, bool_or((body->'data'->>'retryable')::boolean) AS retryable, count(*) AS n,
                   sum(\(Self.cents("total"))) AS cents \(Self.runEvents) AND type = 'coverpay.payment.failed' GROUP BY 1 ORDER BY 1
            """,
            label: { "\($0["code"] ?? "-")\($0["retryable"] == "t" ? " (retryable)" : "")" }, noun: "attempts"
        )
    }

    func retries() throws -> DemoReport.Section {
        var section = try eventSection(
            "Retried (retry.scheduled)", empty: "no retries yet (the retrier publishes retry.scheduled)",
            "SELECT coalesce(body->'data'->>'rule', '-') AS rule, count(*) AS n, sum(\(Self.cents("amount"))) AS cents \(Self.runEvents) AND type = 'coverpay.retry.scheduled' GROUP BY 1 ORDER BY 1",
            label: { "rule \($0["rule"] ?? "-")" }, noun: "retries"
        )
        let again = try rows("SELECT count(*) AS n, coalesce(sum(\(Self.cents("amount"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.installment.due' AND (body->'data'->>'attempt')::int > 1")[0]
        if count(again, "n") > 0 { section.rows.append(countAndAmount("re-presented", again, noun: "installment.due with attempt > 1")) }
        return section
    }

    func recoveries() throws -> DemoReport.Section {
        let row = try rows("""
            WITH bad AS (
                SELECT policy_id, body->'data'->>'entry_number' AS entry, min(seq) AS seq \(Self.runEvents)
                  AND type IN ('coverpay.payment.failed', 'coverpay.payment.returned') GROUP BY 1, 2
            ), recovered AS (
                SELECT DISTINCT ON (b.policy_id, b.entry) b.policy_id, \(Self.cents("total")) AS cents
                FROM bad b JOIN coverpay.payment_events e ON e.policy_id = b.policy_id AND e.type = 'coverpay.payment.succeeded'
                     AND e.body->'data'->>'entry_number' = b.entry AND e.seq > b.seq
                ORDER BY b.policy_id, b.entry, e.seq
            )
            SELECT (SELECT count(*) FROM bad) AS failed, count(*) AS n, coalesce(sum(cents), 0) AS cents FROM recovered
            """)[0]
        let cured = try rows("SELECT count(*) AS n, coalesce(sum(\(Self.cents("past_due_amount"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.delinquency.cured'")[0]
        var section = DemoReport.Section(title: "Recovered (failed or returned, then paid)", empty: "nothing failed, so nothing to recover")
        if count(row, "failed") > 0 {
            section.rows.append(countAndAmount("recovered", row, noun: "of \(count(row, "failed")) failed or returned installments", extra: ["failed": .number("\(count(row, "failed"))")]))
            section.rows.append(count(cured, "n") > 0 ? countAndAmount("delinquencies cured", cured, noun: "policies")
                : .init(label: "delinquencies cured", text: "none yet (the retrier publishes delinquency.cured)", data: ["count": .number("0")]))
        }
        return section
    }

    func returns() throws -> DemoReport.Section {
        try eventSection(
            "Returned and charged back (payment.returned)", empty: "no returns or chargebacks yet (the reconciler publishes payment.returned)",
            """
            SELECT coalesce(body->'data'->>'return_code', body->'data'->>'failure_code') AS code, coalesce((body->'data'->>'late')::boolean, false) AS late,
                   count(*) AS n, sum(\(Self.cents("total"))) AS cents \(Self.runEvents) AND type = 'coverpay.payment.returned' GROUP BY 1, 2 ORDER BY 1, 2
            """,
            label: { "\($0["code"] ?? "-")\($0["late"] == "t" ? " late" : "")" }, noun: "payments"
        )
    }

    func delinquency() throws -> DemoReport.Section {
        try eventSection(
            "Delinquent by stage (latest delinquency.changed per policy)", empty: "no delinquency yet (the retrier publishes delinquency.changed)",
            """
            SELECT stage, count(*) AS n, sum(cents) AS cents FROM (
                SELECT DISTINCT ON (policy_id) body->'data'->>'to' AS stage, \(Self.cents("past_due_amount")) AS cents
                \(Self.runEvents) AND type = 'coverpay.delinquency.changed' ORDER BY policy_id, seq DESC
            ) latest GROUP BY stage ORDER BY stage
            """,
            label: { $0["stage"] ?? "-" }, noun: "policies past due"
        )
    }

    func notices() throws -> DemoReport.Section {
        try eventSection(
            "Nonpayment notices sent (notice.requested)", empty: "no notices yet (the retrier publishes notice.requested)",
            "SELECT coalesce(body->'data'->>'state', '-') AS state, count(*) AS n, sum(\(Self.cents("past_due_amount"))) AS cents \(Self.runEvents) AND type = 'coverpay.notice.requested' GROUP BY 1 ORDER BY 1",
            label: { $0["state"] ?? "-" }, noun: "notices, past due"
        )
    }

    func cancellations() throws -> DemoReport.Section {
        var section = try eventSection(
            "Cancellations", empty: "",
            "SELECT count(*) AS n, coalesce(sum(\(Self.cents("past_due_amount"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.policy.cancellation_requested' HAVING count(*) > 0",
            label: { _ in "requested for nonpayment" }, noun: "policies, past due"
        )
        if section.rows.isEmpty {
            section.rows.append(.init(label: "requested for nonpayment", text: "none yet (the retrier publishes policy.cancellation_requested)", data: ["count": .number("0")]))
        }
        let upstream = try rows("SELECT count(*) AS n, coalesce(sum(total_cents), 0) AS cents FROM scheduler.entries WHERE policy_id LIKE $1 || '%' AND transaction = 'cancellation' AND status = 'Valid'")[0]
        section.rows.append(countAndAmount("cancelled upstream", upstream, noun: "cancellation entries"))
        return section
    }

    func refunds() throws -> DemoReport.Section {
        try eventSection(
            "Refunds (refund.requested)", empty: "no refunds owed",
            "SELECT coalesce(body->'data'->>'reason', '-') AS reason, count(*) AS n, sum(\(Self.cents("amount"))) AS cents \(Self.runEvents) AND type = 'coverpay.refund.requested' GROUP BY 1 ORDER BY 1",
            label: { $0["reason"] ?? "-" }, noun: "refunds"
        )
    }

    func unappliedCash() throws -> DemoReport.Section {
        var section = try eventSection(
            "External payments and unapplied cash", empty: "",
            "SELECT count(*) AS n, coalesce(sum(\(Self.cents("amount"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.payment.received' HAVING count(*) > 0",
            label: { _ in "external payments recorded" }, noun: "payments"
        )
        let ledger = try rows("""
            SELECT count(DISTINCT e.entry_id) AS n, coalesce(sum(l.credit_cents - l.debit_cents), 0) AS cents
            FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id)
            WHERE e.policy_id LIKE $1 || '%' AND l.account_code = '2060'
            """)[0]
        section.rows.append(count(ledger, "n") > 0
            ? countAndAmount("unapplied cash (2060)", ledger, noun: "journal entries, balance")
            : .init(label: "unapplied cash (2060)", text: "no postings yet", data: ["amount": .string("0.00")]))
        let held = try rows("SELECT count(*) FILTER (WHERE unapplied_cents <> 0) AS n, coalesce(sum(unapplied_cents), 0) AS cents FROM scheduler.policies WHERE policy_id LIKE $1 || '%'")[0]
        section.rows.append(countAndAmount("held by the scheduler", held, noun: "policies with unapplied cash"))
        return section
    }

    func writeOffs() throws -> DemoReport.Section {
        try eventSection(
            "Write-offs (installment.written_off)", empty: "no write-offs",
            "SELECT count(*) AS n, coalesce(sum(\(Self.cents("amount"))), 0) AS cents \(Self.runEvents) AND type = 'coverpay.installment.written_off' HAVING count(*) > 0",
            label: { _ in "written off" }, noun: "installments"
        )
    }

    func reconciliationExceptions() throws -> DemoReport.Section {
        try eventSection(
            "Reconciliation exceptions (recon.exception)", empty: "no reconciliation exceptions",
            """
            SELECT coalesce(body->'data'->>'kind', '-') || ' ' || coalesce(body->'data'->>'status', '') AS kind, count(*) AS n, sum(\(Self.cents("amount"))) AS cents
            FROM coverpay.payment_events WHERE type = 'coverpay.recon.exception' AND (policy_id LIKE $1 || '%' OR policy_id IS NULL) GROUP BY 1 ORDER BY 1
            """,
            label: { $0["kind"] ?? "-" }, noun: "exceptions"
        )
    }

    func trialBalance() throws -> DemoReport.Section {
        let accounts = try rows("""
            SELECT l.account_code AS code, a.name, sum(l.debit_cents) AS debit, sum(l.credit_cents) AS credit
            FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id) JOIN ledger.accounts a ON a.code = l.account_code
            WHERE e.policy_id LIKE $1 || '%' GROUP BY 1, 2 ORDER BY 1
            """)
        var section = DemoReport.Section(title: "Trial balance (this run's journal entries)", empty: "no journal entries yet (accounting-sync posts them)")
        guard !accounts.isEmpty else { return section }
        var debits = Money.zero, credits = Money.zero
        for account in accounts {
            let debit = money(account, "debit"), credit = money(account, "credit")
            debits += debit
            credits += credit
            section.rows.append(.init(
                label: "\(account["code"] ?? "-") \(account["name"] ?? "")", text: "Dr \(dollars(debit))  Cr \(dollars(credit))",
                data: ["debit": .string(debit.description), "credit": .string(credit.description)]
            ))
        }
        section.rows.append(.init(
            label: "total", text: "Dr \(dollars(debits))  Cr \(dollars(credits))  \(debits == credits ? "balanced" : "UNBALANCED")",
            data: ["debit": .string(debits.description), "credit": .string(credits.description), "balanced": .bool(debits == credits)]
        ))
        return section
    }

    /// The report's money figures again from the ledger's account movements (`LedgerReconciliation`).
    func againstTheLedger() throws -> DemoReport.Section {
        let reconciliation = try LedgerReconciliation.measure(database, prefix: prefix)
        var section = DemoReport.Section(title: "Figures against the ledger (this run's journal entries)")
        for figure in reconciliation.figures {
            let verdict = figure.agrees ? "agrees" : "DIFFERS by \(dollars(figure.report - figure.ledger))"
            section.rows.append(.init(
                label: figure.name, text: "report \(dollars(figure.report)), ledger \(dollars(figure.ledger)) (\(figure.source)): \(verdict)",
                data: ["report": .string(figure.report.description), "ledger": .string(figure.ledger.description), "agrees": .bool(figure.agrees), "source": .string(figure.source)]
            ))
        }
        section.rows.append(.init(
            label: "verdict", text: reconciliation.agrees ? "every figure agrees with the ledger to the cent" : "SOME FIGURES DIFFER FROM THE LEDGER",
            data: ["agrees": .bool(reconciliation.agrees)]
        ))
        return section
    }

    /// Premium trust cash, with what is still in clearing and in transit, must cover the fiduciary
    /// liabilities (DESIGN §8), over the whole ledger: the check `ledger trust-check` and `status` run.
    func trustCheck() throws -> DemoReport.Section {
        var section = DemoReport.Section(title: "Trust check (whole ledger)", empty: "no journal entries yet (accounting-sync posts them)")
        guard try database.query("SELECT EXISTS (SELECT 1 FROM ledger.journal_lines) AS posted")[0].decode("posted", as: Bool.self) else { return section }
        let trust = try Journal.trustCheck(database)
        section.rows.append(.init(
            label: trust.holds ? "holds" : "BREACHED",
            text: "premium trust cash \(dollars(trust.trustCash)) + in transit \(dollars(trust.inTransit)) \(trust.holds ? ">=" : "<") fiduciary liabilities \(dollars(trust.fiduciaryLiabilities))",
            data: [
                "holds": .bool(trust.holds), "trust_cash": .string(trust.trustCash.description), "in_transit": .string(trust.inTransit.description),
                "fiduciary_liabilities": .string(trust.fiduciaryLiabilities.description),
            ]
        ))
        return section
    }

    func glSync() throws -> DemoReport.Section {
        // Batches are not sent in entry order (`through_entry_id` is not a cursor), so the lag is
        // the journal's entry count less the entries the answered batches carried.
        let row = try database.query("""
            SELECT count(*) AS batches, coalesce(sum((body->'data'->>'entries')::int), 0) AS entries,
                   (SELECT count(*) FROM ledger.journal_entries) AS journal
            FROM coverpay.payment_events WHERE type = 'coverpay.gl.synced'
            """)[0]
        var section = DemoReport.Section(title: "GL sync (gl.synced)", empty: "no GL sync yet (accounting-sync publishes gl.synced; sync is off while no QuickBooks realm is set)")
        guard count(row, "batches") > 0 else { return section }
        let lag = count(row, "journal") - count(row, "entries")
        section.rows.append(.init(
            label: "synced", text: "\(count(row, "entries")) of \(count(row, "journal")) journal entries in \(count(row, "batches")) batches; \(lag) not synced yet",
            data: ["entries": .number("\(count(row, "entries"))"), "batches": .number("\(count(row, "batches"))"), "lag_entries": .number("\(lag)")]
        ))
        return section
    }

    /// Metrics endpoints and a policy worth tracing for each interesting story of the run.
    func whereToLook() throws -> DemoReport.Section {
        let base = Int(ProcessInfo.processInfo.environment["COVERPAY_FLEET_BASE_PORT"] ?? "") ?? 19100
        let metrics = Catalog.workers.enumerated().map { "http://127.0.0.1:\(base + $0.offset + 1)/metrics" }.joined(separator: " ")
        var section = DemoReport.Section(title: "Where to look next", rows: [
            .init(label: "metrics", text: metrics + " (replica 0 of `Deploy/local/fleet`)", data: ["urls": .string(metrics)]),
            .init(label: "live events", text: "coverpay events tail [--policy P]", data: [:]),
            .init(label: "one policy", text: "coverpay trace P [--entry N]", data: [:]),
            .init(label: "dead letters", text: "coverpay status; coverpay dlq list", data: [:]),
        ])
        let examples = try rows("""
            SELECT story, min(policy_id) AS policy FROM (
                SELECT policy_id, CASE
                    WHEN type = 'coverpay.payment.returned' AND body->'data'->>'failure_code' = 'card_chargeback' THEN 'a chargeback'
                    WHEN type = 'coverpay.payment.returned' AND (body->'data'->>'late')::boolean THEN 'a late ACH return'
                    WHEN type = 'coverpay.payment.returned' THEN 'an ACH return'
                    WHEN type = 'coverpay.delinquency.cured' THEN 'a delinquency cured'
                    WHEN type = 'coverpay.payment.failed' AND (body->'data'->>'retryable')::boolean THEN 'a soft decline'
                    WHEN type = 'coverpay.payment.failed' THEN 'a hard decline'
                END AS story \(Self.runEvents) AND type IN ('coverpay.payment.returned', 'coverpay.delinquency.cured', 'coverpay.payment.failed')
            ) stories WHERE story IS NOT NULL GROUP BY story ORDER BY story
            """)
        for example in examples {
            let policy = example["policy"] ?? "-"
            section.rows.append(.init(label: example["story"] ?? "-", text: "coverpay trace \(policy)", data: ["policy_id": .string(policy)]))
        }
        return section
    }
}
