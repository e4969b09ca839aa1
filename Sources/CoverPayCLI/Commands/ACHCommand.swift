import ArgumentParser
import CollectorWorker
import CoverPayCore
import Foundation

struct ACHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ach", abstract: "NACHA files the collector wrote.", subcommands: [Files.self]
    )

    struct Files: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List or show NACHA files.", subcommands: [List.self, Show.self])
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List NACHA files, newest first.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let rows = try CLIEnvironment().database().query(
                """
                SELECT id, file_name, created_on::text AS created_on, file_id_modifier, batch_count, entry_count, total_debit_cents,
                       to_char(written_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS written_at
                FROM collector.ach_files ORDER BY id DESC
                """
            )
            let files: [JSONValue] = try rows.map { row in
                .object([
                    "id": .number(try row.decode("id", as: String.self)), "file_name": .string(try row.decode("file_name")),
                    "created_on": .string(try row.decode("created_on")), "file_id_modifier": .string(try row.decode("file_id_modifier")),
                    "batches": .number(try row.decode("batch_count", as: String.self)), "entries": .number(try row.decode("entry_count", as: String.self)),
                    "total_debit": .string(Money(cents: try row.decode("total_debit_cents")).description),
                    "written_at": row["written_at"].map(JSONValue.string) ?? .null,
                ])
            }
            if json { return Output.json(.array(files)) }
            Output.table(["ID", "FILE", "CREATED", "BATCHES", "ENTRIES", "TOTAL DEBIT", "WRITTEN"], files.map { file in
                ["id", "file_name", "created_on", "batches", "entries", "total_debit", "written_at"].map { file[$0]?.stringValue ?? file[$0].map { $0 == .null ? "not yet" : $0.serialized() } ?? "" }
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a NACHA file's batches and entries (account numbers masked).")
        @Argument(help: "The file id or name.") var file: String
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Print the NACHA file itself, account numbers included (needs the encryption key).") var raw = false

        func run() throws {
            if raw {
                guard let text = try ACHFileStore.text(file: file, try CLIEnvironment().database()) else { throw CLIError("no NACHA file '\(file)'") }
                return print(text, terminator: "")
            }
            guard let row = try CLIEnvironment().database().query(
                """
                SELECT id, file_name, created_on::text AS created_on, summary::text AS summary, total_debit_cents, entry_count
                FROM collector.ach_files WHERE file_name = $1 OR id::text = $1
                """,
                [file]
            ).first else { throw CLIError("no NACHA file '\(file)'") }
            var summary = try JSONValue.parse(Array(try row.decode("summary", as: String.self).utf8)).objectValue ?? [:]
            summary["id"] = .number(try row.decode("id", as: String.self))
            summary["file_name"] = .string(try row.decode("file_name"))
            summary["created_on"] = .string(try row.decode("created_on"))
            summary["total_debit"] = .string(Money(cents: try row.decode("total_debit_cents")).description)
            if json { return Output.json(.object(summary)) }
            print("\(row["file_name"] ?? "") created \(row["created_on"] ?? ""): \(row["entry_count"] ?? "") entries, total debit \(summary["total_debit"]?.stringValue ?? ""), entry hash \(summary["entry_hash"]?.stringValue ?? "")")
            for batch in summary["batches"]?.arrayValue ?? [] {
                print("batch \(batch["batch_number"]?.serialized() ?? "") \(batch["sec_code"]?.stringValue ?? "") \(batch["entry_description"]?.stringValue ?? ""), effective \(batch["effective_date"]?.stringValue ?? ""), total \(batch["total_debit"]?.stringValue ?? "")")
                Output.table(["TRACE", "TX", "ROUTING", "ACCOUNT", "AMOUNT", "NAME", "POLICY", "PAYMENT"], (batch["entries"]?.arrayValue ?? []).map { entry in
                    ["trace_number", "transaction_code", "routing_number", "account_number", "amount", "name", "policy_id", "payment_id"]
                        .map { entry[$0]?.stringValue ?? entry[$0]?.serialized() ?? "" }
                })
            }
        }
    }
}
