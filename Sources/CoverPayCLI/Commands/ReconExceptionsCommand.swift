import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres
import ReconcilerWorker

extension ReconCommand {
    struct Exceptions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show and resolve reconciliation exceptions.", subcommands: [List.self, Show.self, Resolve.self]
        )

        static let columns = """
            e.id, e.kind, e.status, e.amount_cents, e.reference, e.item_id, e.payment_id, e.detail, e.opened_on::text AS opened_on,
            e.resolved_by, e.resolution, x.policy_id, f.file_name
            FROM reconciler.exceptions e LEFT JOIN reconciler.expected_items x ON x.payment_id = e.payment_id
            LEFT JOIN reconciler.items i ON i.id = e.item_id LEFT JOIN reconciler.files f ON f.id = i.file_id
            """

        static func json(_ row: PostgresRow) throws -> JSONValue {
            func text(_ column: String) -> JSONValue { row[column].map(JSONValue.string) ?? .null }
            return .object([
                "id": .string(try row.decode("id")), "kind": text("kind"), "status": text("status"),
                "amount": .string(Money(cents: try row.decode("amount_cents")).description), "reference": text("reference"),
                "payment_id": text("payment_id"), "policy_id": text("policy_id"), "file": text("file_name"), "detail": text("detail"),
                "opened_on": text("opened_on"), "resolved_by": text("resolved_by"), "resolution": text("resolution"),
            ])
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List exceptions, oldest first.")
            @Option(help: "open, RESOLVED or all.") var status = "open"
            @Flag(help: "Print JSON.") var json = false

            func run() throws {
                guard ["open", "RESOLVED", "all"].contains(status) else { throw CLIError("--status must be open, RESOLVED or all") }
                let rows = try CLIEnvironment().database().query(
                    "SELECT \(Exceptions.columns) WHERE $1 = 'all' OR e.status = $1 ORDER BY e.id", [status]
                )
                if json { return Output.json(.array(try rows.map(Exceptions.json))) }
                Output.table(["ID", "KIND", "STATUS", "AMOUNT", "REFERENCE", "POLICY", "OPENED", "DETAIL"], rows.map { row in
                    [row["id"] ?? "", row["kind"] ?? "", row["status"] ?? "", (try? Money(cents: row.decode("amount_cents")).description) ?? "",
                     row["reference"] ?? "", row["policy_id"] ?? "-", row["opened_on"] ?? "", row["detail"] ?? ""]
                })
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one exception.")
            @Argument(help: "The exception id.") var id: Int64
            @Flag(help: "Print JSON.") var json = false

            func run() throws {
                guard let row = try CLIEnvironment().database().query("SELECT \(Exceptions.columns) WHERE e.id = $1", [id]).first else {
                    throw CLIError("no exception \(id)")
                }
                let value = try Exceptions.json(row)
                if json { return Output.json(value) }
                for (key, field) in (value.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) { print("\(key): \(field.stringValue ?? "-")") }
            }
        }

        struct Resolve: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Resolve an open exception, with the reason written down.")
            @Argument(help: "The exception id.") var id: Int64
            @Option(help: "Why it is resolved (required).") var reason: String
            @Option(help: "Who is acting (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "unknown"

            func run() throws {
                guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIError("--reason must say why") }
                let resolved = try CLIEnvironment().database().transaction { database in
                    try ExceptionBook(database: database, traceID: "recon-resolve-\(id)").resolve(id: id, operator: actor, reason: reason)
                }
                guard resolved else { throw CLIError("no open exception \(id)") }
                print("exception \(id) resolved by \(actor): \(reason)")
            }
        }
    }
}
