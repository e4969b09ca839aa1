import ArgumentParser
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Audits of what the fleet stores and writes.", subcommands: [Leaks.self]
    )

    struct Leaks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fail if a card number or a known bank account number is readable anywhere the fleet keeps text.",
            discussion: """
                Reads every text, varchar, json and jsonb column of every schema, every dead letter (peeked, kept), the \
                *.log files and the NACHA / BAI2 / CSV / IIF files under --path, except the ACH outbound folder \
                (COVERPAY_ACH_OUTBOUND_DIR and --exclude). A finding names where and shows the number masked. \
                docs/security.md.
                """
        )

        @Option(name: .customLong("path"), help: "A folder of logs and bank files to scan (repeatable).") var paths: [String] = [".local"]
        @Option(name: .customLong("exclude"), help: "A folder to skip (repeatable); the ACH outbound folders always are.") var excluded: [String] = []
        @Option(help: "A file of full bank account numbers that must never be readable, one per line (# comments).") var accounts: String?
        @Flag(help: "Print the report as JSON.") var json = false

        func run() throws {
            let environment = try CLIEnvironment()
            let outbound = [ProcessInfo.processInfo.environment["COVERPAY_ACH_OUTBOUND_DIR"], ".local/ach/outbound"].compactMap { $0 }
            // Every table, including any no grant covers: the migration owner's login, not the operator's.
            let corpus = TextCorpus(
                database: try environment.migrationDatabase(), broker: try environment.broker(), deadLetterQueues: Catalog.deadLetterQueues,
                files: LocalFiles(under: paths, excluding: outbound + excluded)
            )
            let report = try LeakScan(corpus: corpus, detector: LeakDetector(accountNumbers: try accountNumbers())).run()
            if json {
                Output.json(report.json)
            } else {
                print(report.summary)
                for finding in report.findings.prefix(100) {
                    print("LEAK  \(finding.kind.rawValue) \(finding.masked) in \(finding.location)")
                }
                if report.findings.count > 100 { print("… and \(report.findings.count - 100) more") }
                print(report.passed ? "scan leaks: passed" : "scan leaks: FAILED (\(report.findings.count) findings)")
            }
            if !report.passed { throw ExitCode(1) }
        }

        private func accountNumbers() throws -> [String] {
            guard let accounts else { return [] }
            guard let text = try? String(contentsOfFile: accounts, encoding: .utf8) else { throw CLIError("--accounts: cannot read \(accounts)") }
            return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
    }
}
