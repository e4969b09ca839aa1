import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres
import ReconcilerWorker

struct ReconCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recon", abstract: "Bank and processor files, exceptions and the reconciliation report (docs/reconciliation.md).",
        subcommands: [Files.self, Import.self, Parse.self, Exceptions.self, Report.self]
    )

    static let timestamp = #"to_char(%@ AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#

    struct Files: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage imported files.", subcommands: [List.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List imported files, newest first.")
            @Option(help: "At most this many.") var limit = 100
            @Flag(help: "Print JSON.") var json = false

            func run() throws {
                let rows = try CLIEnvironment().database().query(
                    """
                    SELECT id, file_name, kind, line_count, total_cents, business_date::text AS business_date, imported_by,
                        \(String(format: ReconCommand.timestamp, "imported_at")) AS imported_at,
                        (SELECT count(*) FROM reconciler.items i WHERE i.file_id = f.id AND i.status IN ('MATCHED', 'PARTIALLY_MATCHED', 'RESOLVED')) AS matched
                    FROM reconciler.files f ORDER BY id DESC LIMIT $1
                    """,
                    [limit]
                )
                if json {
                    return Output.json(.array(try rows.map { row in
                        .object([
                            "id": .number(try row.decode("id", as: String.self)), "file_name": .string(row["file_name"] ?? ""), "kind": .string(row["kind"] ?? ""),
                            "lines": .number(row["line_count"] ?? "0"), "matched": .number(row["matched"] ?? "0"),
                            "total": .string(Money(cents: try row.decode("total_cents")).description), "business_date": .string(row["business_date"] ?? ""),
                            "imported_by": .string(row["imported_by"] ?? ""), "imported_at": .string(row["imported_at"] ?? ""),
                        ])
                    }))
                }
                Output.table(["ID", "FILE", "KIND", "LINES", "MATCHED", "TOTAL", "DATE", "IMPORTED BY", "AT"], rows.map { row in
                    [row["id"] ?? "", row["file_name"] ?? "", row["kind"] ?? "", row["line_count"] ?? "", row["matched"] ?? "",
                     (try? Money(cents: row.decode("total_cents")).description) ?? "", row["business_date"] ?? "", row["imported_by"] ?? "", row["imported_at"] ?? ""]
                })
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a NACHA return file, BAI2 statement or settlement CSV (once, by content).")
        @Argument(help: "The file.") var file: String

        func run() throws {
            let content = try ReconCommand.read(file)
            let name = URL(fileURLWithPath: file).lastPathComponent
            do {
                switch try BankFileImport.importFile(name: name, content: content, database: CLIEnvironment().database(), importer: "coverpay") {
                case .imported(let id, let kind, let lines): print("imported \(name) as file \(id): \(kind), \(lines) line\(lines == 1 ? "" : "s")")
                case .skipped(let id, let first): print("skipped \(name): the same content was imported before as file \(id) (\(first))")
                }
            } catch let error as BankFileError {
                throw CLIError("refused, nothing imported: \(error)")
            }
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse a bank or processor file without importing it; print its lines.")
        @Argument(help: "The file.") var file: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let name = URL(fileURLWithPath: file).lastPathComponent
            let parsed: ParsedBankFile
            do { parsed = try ParsedBankFile(name: name, content: try ReconCommand.read(file)) } catch let error as BankFileError { throw CLIError("\(error)") }
            let lines: [JSONValue] = parsed.lines.map { line in
                .object([
                    "kind": .string(line.kind), "reference": .string(line.reference), "amount": .string(line.amount.description),
                    "fee": .string(line.fee.description), "date": .string(line.date.description), "detail": line.detail,
                ])
            }
            let total = parsed.lines.reduce(Money.zero) { $0 + $1.amount }
            if json { return Output.json(.object(["kind": .string(parsed.kind), "total": .string(total.description), "lines": .array(lines)])) }
            print("\(name): \(parsed.kind), \(parsed.lines.count) lines, total \(total)")
            Output.table(["KIND", "REFERENCE", "AMOUNT", "FEE", "DATE"], parsed.lines.map { [$0.kind, $0.reference, $0.amount.description, $0.fee.description, $0.date.description] })
        }
    }

    static func read(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read '\(file)'") }
        return String(decoding: data, as: UTF8.self)
    }
}
