import ArgumentParser
import CoverPayTools
import Foundation

struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Publish seeded hostile messages to every worker queue of a running fleet and audit what became of them.",
        discussion: """
            For test and staging fleets only: the messages stay in the dead-letter queues. Passes when every message \
            was processed or dead-lettered with a reason in each queue it reached, every queue kept its consumers, and \
            no planted card number is in PostgreSQL, a dead letter or the logs. docs/reliability.md.
            """
    )

    @Option(help: "How many messages to publish.") var messages = 1000
    @Option(help: "The seed; the same seed publishes the same messages.") var seed: UInt64 = 1
    @Option(help: "Seconds to wait for the fleet to settle.") var timeout = 300
    @Option(help: "A folder of worker logs to scan for card numbers (every *.log in it and below).") var logDir = ".local/logs"
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard (1...1_000_000).contains(messages) else { throw ValidationError("--messages must be 1...1000000") }
    }

    func run() throws {
        let environment = try CLIEnvironment()
        let broker = try environment.broker()
        try broker.enableConfirms(channel: 1)
        let logs = LocalFiles(under: [logDir]).logs
        let run = FuzzRun(
            // The audit reads every table: the migration owner's login (docs/security.md).
            database: try environment.migrationDatabase(), broker: broker, queues: Catalog.queues,
            settings: .init(messages: messages, seed: seed, settleTimeout: .seconds(timeout), logFiles: logs)
        )
        let report: FuzzReport
        do {
            // Flushed: a long run's progress must show when the output goes to a file.
            report = try run.run { if !json { print($0); fflush(nil) } }
        } catch let error as ToolError {
            throw CLIError(error.description)
        }
        if json {
            Output.json(report.json)
        } else {
            Output.table(["MUTATION", "OUTCOMES"], report.outcomes.sorted { $0.key.rawValue < $1.key.rawValue }.map { mutation, counts in
                [mutation.rawValue, counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
            })
            print("\nscanned \(report.scannedColumns) text columns and \(report.scannedLogs) logs for planted card numbers")
            report.failures.prefix(40).forEach { print("FAIL  \($0)") }
            print(report.passed ? "fuzz: passed (\(report.messages) messages, seed \(seed))" : "fuzz: FAILED (\(report.failures.count) failures)")
        }
        if !report.passed { throw ExitCode(1) }
    }
}
