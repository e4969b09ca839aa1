import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres

extension ReconCommand {
    /// Ties, through a date, what was sent (expected), what the bank and processor paid
    /// (deposited, settled) and what came back (returned), per rail; every line or attempt that
    /// does not tie is an open exception, counted here and listed by `recon exceptions list`.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Expected, deposited, settled and returned money through a date, per rail.")
        @Option(help: "Through this date (default: the business date).") var date: String?
        @Option(help: "From this date (default: the beginning).") var since: String?
        @Option(help: "Only attempts of policies whose id starts with this (a book, e.g. an end-to-end run's prefix); file lines and exceptions that match no attempt are then left out.") var policy: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try CLIEnvironment().database()
            func day(_ text: String, _ option: String) throws -> String {
                guard let parsed = try? CalendarDate(iso: text) else { throw CLIError("--\(option) '\(text)' is not YYYY-MM-DD") }
                return parsed.description
            }
            let through = try date.map { try day($0, "date") } ?? BusinessClock.today(database)
            let from = try since.map { try day($0, "since") } ?? "0001-01-01"
            let report = try Self.figures(database, through: through, from: from, policyPrefix: policy ?? "")
            if json { return Output.json(report) }
            func field(_ name: String) -> String { report[name]?.stringValue ?? "" }
            let perRail = report["rails"]?.objectValue ?? [:]
            let byStatus = report["by_status"]?.objectValue ?? [:]
            print("reconciliation through \(through): expected \(field("expected")), deposited \(field("deposited")), settled \(field("settled")), returned \(field("returned")), processor fees \(field("processor_fees"))")
            Output.table(["RAIL", "EXPECTED", "SETTLED", "RETURNED", "IN FLIGHT", "FEES"], perRail.keys.sorted().map { rail in
                let values = perRail[rail]!
                return [rail] + ["expected", "settled", "returned", "in_flight", "processor_fees"].map { values[$0]?.stringValue ?? "" }
            })
            print("attempts by status: " + byStatus.keys.sorted().map { "\($0) \(byStatus[$0]!.serialized())" }.joined(separator: ", "))
            print("open exceptions: \(report["exceptions"]?.serialized() ?? "0") (\(field("exception_amount"))); see `coverpay recon exceptions list`")
        }

        /// The report as data (DESIGN §12 plus `returned`, `processor_fees`, `rails`, `lines_by_status`):
        /// attempts expected from `since` through `through`, what of them settled and came back; only
        /// the attempts of policies whose id starts with `policyPrefix` when it is not empty.
        static func figures(_ database: PostgresConnection, through: String, from: String, policyPrefix: String = "") throws -> JSONValue {
            let ofBook = "($3 = '' OR payment_id IN (SELECT payment_id FROM reconciler.expected_items WHERE policy_id LIKE $3 || '%'))"
            let parameters: [(any PostgresEncodable)?] = [through, from, policyPrefix]
            // Expected: every ACH debit sent and every card charge captured (a declined card attempt moved no money).
            let rails = try database.query(
                """
                SELECT rail,
                    coalesce(sum(amount_cents), 0) AS expected,
                    coalesce(sum(amount_cents) FILTER (WHERE settled_on <= $1::date AND (returned_on IS NULL OR returned_on > $1::date)), 0) AS settled,
                    coalesce(sum(amount_cents) FILTER (WHERE returned_on <= $1::date), 0) AS returned,
                    coalesce(sum(processor_fee_cents) FILTER (WHERE settled_on <= $1::date), 0) AS fees,
                    coalesce(sum(amount_cents) FILTER (WHERE (returned_on IS NULL OR returned_on > $1::date)
                        AND (settled_on IS NULL OR settled_on > $1::date)), 0) AS in_flight
                FROM reconciler.expected_items
                WHERE reference IS NOT NULL AND expected_on BETWEEN $2::date AND $1::date AND policy_id LIKE $3 || '%' GROUP BY rail ORDER BY rail
                """,
                parameters
            )
            let deposited: Int64 = try database.query(
                "SELECT coalesce(sum(amount_cents), 0) AS n FROM reconciler.items WHERE kind = 'deposit' AND item_date BETWEEN $2::date AND $1::date AND \(ofBook)", parameters
            )[0].decode("n")
            var byStatus: [String: JSONValue] = Dictionary(uniqueKeysWithValues: ["MATCHED", "PARTIALLY_MATCHED", "UNMATCHED", "MISMATCHED", "RESOLVED"].map { ($0, .number("0")) })
            for row in try database.query(
                "SELECT status, count(*) AS n FROM reconciler.expected_items WHERE reference IS NOT NULL AND expected_on BETWEEN $2::date AND $1::date AND policy_id LIKE $3 || '%' GROUP BY status", parameters
            ) { byStatus[try row.decode("status")] = .number(try row.decode("n", as: String.self)) }
            var linesByStatus: [String: JSONValue] = [:]
            for row in try database.query("SELECT status, count(*) AS n FROM reconciler.items WHERE item_date BETWEEN $2::date AND $1::date AND \(ofBook) GROUP BY status", parameters) {
                linesByStatus[try row.decode("status")] = .number(try row.decode("n", as: String.self))
            }
            let exceptions = try database.query(
                "SELECT count(*) AS n, coalesce(sum(abs(amount_cents)), 0) AS amount FROM reconciler.exceptions WHERE status = 'open' AND opened_on BETWEEN $2::date AND $1::date AND \(ofBook)", parameters
            )[0]
            func money(_ row: PostgresRow, _ column: String) throws -> Money { Money(cents: try row.decode(column)) }
            var perRail: [String: JSONValue] = [:]
            var totals = (expected: Money.zero, settled: Money.zero, returned: Money.zero, fees: Money.zero)
            for row in rails {
                perRail[try row.decode("rail")] = .object([
                    "expected": .string(try money(row, "expected").description), "settled": .string(try money(row, "settled").description),
                    "returned": .string(try money(row, "returned").description), "in_flight": .string(try money(row, "in_flight").description),
                    "processor_fees": .string(try money(row, "fees").description),
                ])
                totals.expected += try money(row, "expected")
                totals.settled += try money(row, "settled")
                totals.returned += try money(row, "returned")
                totals.fees += try money(row, "fees")
            }
            return .object([
                "date": .string(through), "since": .string(from), "policy_prefix": policyPrefix.isEmpty ? .null : .string(policyPrefix), "expected": .string(totals.expected.description), "settled": .string(totals.settled.description),
                "returned": .string(totals.returned.description), "deposited": .string(Money(cents: deposited).description),
                "processor_fees": .string(totals.fees.description), "by_status": .object(byStatus), "lines_by_status": .object(linesByStatus),
                "exceptions": .number(try exceptions.decode("n", as: String.self)),
                "exception_amount": .string(Money(cents: try exceptions.decode("amount")).description), "rails": .object(perRail),
            ])
        }
    }
}
