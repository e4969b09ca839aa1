import AccountingSyncWorker
import ArgumentParser
import CoverPayCore
import Foundation

/// `coverpay ledger export --format iif|csv --from DATE --to DATE [--output FILE]`: the journal
/// entries posted in a date range, for QuickBooks Desktop (IIF) or any spreadsheet / import tool (CSV).
struct LedgerExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the journal entries posted in a date range as IIF (QuickBooks Desktop) or CSV."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case iif, csv
    }

    @Option(help: "iif or csv.") var format: Format
    @Option(help: "First posting date, YYYY-MM-DD.") var from: String
    @Option(help: "Last posting date (inclusive), YYYY-MM-DD.") var to: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() throws {
        let first: CalendarDate, last: CalendarDate
        do {
            first = try CalendarDate(iso: from)
            last = try CalendarDate(iso: to)
        } catch {
            throw CLIError("--from and --to must be YYYY-MM-DD dates: \(error)")
        }
        guard first <= last else { throw CLIError("--from \(first) is after --to \(last)") }
        let entries = try LedgerEntryReader.entries(postedFrom: first, through: last, try CLIEnvironment().database())
        let text = switch format {
        case .iif: IIFJournalExport.render(entries)
        case .csv: CSVJournalExport.render(entries)
        }
        guard let output else { return FileHandle.standardOutput.write(Data(text.utf8)) }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError("cannot write \(output): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("\(entries.count) journal entries (\(entries.reduce(0) { $0 + $1.lines.count }) lines) written to \(output)\n".utf8))
    }
}
