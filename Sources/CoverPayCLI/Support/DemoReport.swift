import CoverPayCore
import Postgres

/// The readable end-of-year report of a demo run, from the stored state of every worker.
struct DemoReport {
    let runID: String
    let period: String
    var sections: [(title: String, rows: [(String, String)])] = []

    static func build(_ database: PostgresConnection, prefix: String, runID: String, from: CalendarDate, to: CalendarDate) throws -> DemoReport {
        var report = DemoReport(runID: runID, period: "\(from) to \(to)")
        func rows(_ sql: String) throws -> [PostgresRow] { try database.query(sql, [prefix]) }
        func money(_ text: String?) -> String { "$" + Money(cents: Int64(text ?? "0") ?? 0).description }

        let book = try rows("""
            SELECT count(*) AS policies, count(*) FILTER (WHERE rail = 'card') AS card, count(*) FILTER (WHERE rail = 'ach') AS ach,
                   string_agg(DISTINCT state, ', ' ORDER BY state) AS states, string_agg(DISTINCT line_of_business, ', ') AS lines
            FROM scheduler.policies WHERE policy_id LIKE $1 || '%' AND last_sequence > 0
            """)[0]
        report.sections.append(("Book", [
            ("policies", "\(book["policies"] ?? "0") (\(book["card"] ?? "0") paying by card, \(book["ach"] ?? "0") by ACH)"),
            ("states", book["states"] ?? "-"), ("lines", book["lines"] ?? "-"),
        ]))

        let schedule = try rows("""
            SELECT count(*) FILTER (WHERE status = 'Valid') AS valid, count(*) FILTER (WHERE status = 'Invalid') AS invalid,
                   coalesce(sum(premium_cents) FILTER (WHERE status = 'Valid'), 0) AS premium,
                   coalesce(sum(fee_cents) FILTER (WHERE status = 'Valid'), 0) AS fee,
                   coalesce(sum(tax_cents) FILTER (WHERE status = 'Valid'), 0) AS tax,
                   coalesce(sum(total_cents) FILTER (WHERE status = 'Valid'), 0) AS total,
                   count(*) FILTER (WHERE status = 'Valid' AND is_paid) AS paid,
                   coalesce(sum(total_cents) FILTER (WHERE status = 'Valid' AND is_paid), 0) AS paid_total,
                   count(*) FILTER (WHERE status = 'Valid' AND NOT is_paid AND total_cents > 0) AS open,
                   coalesce(sum(total_cents) FILTER (WHERE status = 'Valid' AND NOT is_paid AND total_cents > 0), 0) AS open_total
            FROM scheduler.entries WHERE policy_id LIKE $1 || '%'
            """)[0]
        report.sections.append(("Schedules", [
            ("valid entries", "\(schedule["valid"] ?? "0") (\(schedule["invalid"] ?? "0") invalidated by cancellations)"),
            ("billable", "\(money(schedule["total"])) = premium \(money(schedule["premium"])) + fees \(money(schedule["fee"])) + taxes \(money(schedule["tax"]))"),
            ("marked paid", "\(schedule["paid"] ?? "0") entries, \(money(schedule["paid_total"]))"),
            ("still open", "\(schedule["open"] ?? "0") entries, \(money(schedule["open_total"])) (ACH awaiting settlement, declines awaiting the retrier)"),
        ]))

        let payments = try rows("""
            SELECT rail, status, coalesce(failure_code, '') AS code, count(*) AS n, sum(amount_cents) AS cents
            FROM collector.payments WHERE policy_id LIKE $1 || '%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """)
        report.sections.append(("Collections", payments.map { row in
            let code = row["code"].flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
            return ("\(row["rail"] ?? "-") \(row["status"] ?? "-")\(code)", "\(row["n"] ?? "0") payments, \(money(row["cents"]))")
        }))

        let events = try rows("""
            SELECT type, count(*) AS n FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' GROUP BY 1 ORDER BY 1
            """)
        report.sections.append(("Events published", events.map { ($0["type"] ?? "-", $0["n"] ?? "0") }))

        let files = try database.query("SELECT count(*) AS n, coalesce(sum(entry_count), 0) AS entries FROM collector.ach_files WHERE created_on BETWEEN $1::date AND $2::date", [from.description, to.description])[0]
        report.sections.append(("ACH", [("NACHA files written", "\(files["n"] ?? "0") files, \(files["entries"] ?? "0") entries (all demo runs in this period)")]))
        return report
    }

    var json: JSONValue {
        .object([
            "run_id": .string(runID), "period": .string(period),
            "sections": .object(Dictionary(uniqueKeysWithValues: sections.map { section in
                (section.title, JSONValue.object(Dictionary(section.rows.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 })))
            })),
        ])
    }

    func print() {
        Swift.print("\nCoverPay demo report — run \(runID), business dates \(period)")
        for section in sections {
            Swift.print("\n\(section.title)")
            let width = section.rows.map(\.0.count).max() ?? 0
            for (label, value) in section.rows {
                Swift.print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(value)")
            }
        }
    }
}
