import ArgumentParser
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation
import Postgres
import ReconcilerWorker

struct EndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Bill a book through the year with two replicas of every worker and the sandbox bank settling each business day, GL sync to a fake QuickBooks; audit the whole loop.",
        discussion: """
            Drives the local fleet and services (Deploy/local/fleet, Deploy/local/services) of this checkout: for local \
            test fleets only. It restarts the fleet with the GL sync pointed at tests/python/fake_qbo.py and stops it at \
            the end. Audits: what every installment became, one balanced journal set per collected payment and its \
            reversal when returned, the ledger against collector.payments, the demo report's figures and `coverpay recon \
            report` against the ledger to the cent, dead letters, trust, QuickBooks receiving each entry once, plus the \
            chaos audit. docs/operations.md.
            """
    )

    @Option(help: "Policies in the book.") var policies = 200
    @Option(help: "Business days on the clock (365: every installment of the one-year terms).") var days = 365
    @Option(help: "Replicas of every worker.") var replicas = 2
    @Option(help: "Seed: names the run and picks its year.") var seed: UInt64 = UInt64(Date().timeIntervalSince1970) % 100_000
    @Option(help: "Seconds the fleet may take to drain after the last day.") var settleTimeout = 300
    @Option(help: "Seconds the GL sync may take to send the last entries after the fleet drained.") var glTimeout = 300
    @Flag(help: "Print the outcome as JSON.") var json = false

    func validate() throws {
        guard (1...20_000).contains(policies), (5...400).contains(days), (1...5).contains(replicas) else {
            throw ValidationError("--policies 1...20000, --days 5...400, --replicas 1...5")
        }
    }

    func run() throws {
        let environment = try CLIEnvironment()
        let root = URL(fileURLWithPath: environment.configuration.schemasDirectory).deletingLastPathComponent()
        let bank = SandboxBank.fromEnvironment
        let fleet = DemoFleet(database: try environment.database(), broker: try environment.broker(), queues: Catalog.queues, prefix: "E2E-")
        var settings = ChaosRun.Settings(
            policies: policies, days: days, replicas: replicas, faultInterval: nil, settleTimeout: .seconds(settleTimeout),
            repositoryRoot: root, achOutboundDirectory: bank.outboundDirectory
        )
        settings.dayPause = .zero
        settings.label = "E2E"
        // A year of its own per seed, before 2080 (the chaos runs count back from 2088) and in this century (BAI2 and
        // NACHA write two-digit years). The business clock is shared: moving it there also bills what
        // other books left unpaid, which is why every check is limited to this run's policies.
        settings.firstDay = try CalendarDate(year: 2040 + 2 * Int(seed % 20), month: 1, day: 2)
        let run = EndToEndRun(
            configuration: environment.configuration, queues: Catalog.queues, workers: Catalog.workers.map(\.name), settings: settings
        ) { day, _ in
            // Each day as the demo runs it: the fleet finishes the day's dues, the bank answers, the fleet finishes that.
            try fleet.waitUntilQuiet()
            // The bank's own login (it alone writes sandbox.*), as in chaos and the demo.
            if BankingCalendar.federalReserve.isBankingDay(day) { _ = try bank.settle(date: day, database: try environment.sandboxDatabase()) }
            try fleet.waitUntilQuiet()
        }
        let outcome: EndToEndRun.Outcome
        do {
            outcome = try run.run(seed: seed, glTimeout: .seconds(glTimeout), progress: { if !json { print($0) } }) { database, chaos in
                let report = try LedgerReconciliation.measure(database, prefix: chaos.prefix)
                let recon = try LedgerReconciliation.measure(
                    database, prefix: chaos.prefix,
                    reconReport: ReconCommand.Report.figures(
                        database, through: chaos.lastDay.description, from: chaos.firstDay.description, policyPrefix: chaos.prefix
                    )
                )
                return report.figures.filter { !$0.agrees }.map { "report_vs_ledger: \($0.name): report \($0.report), ledger \($0.ledger) (\($0.source))" }
                    + recon.figures.filter { !$0.agrees }.map { "recon_report_vs_ledger: \($0.name): recon report \($0.report), ledger \($0.ledger) (\($0.source))" }
            }
        } catch let error as ToolError {
            throw CLIError(error.description)
        }
        let seconds = Int(outcome.duration.components.seconds)
        if json {
            Output.json(.object([
                "prefix": .string(outcome.prefix), "seed": .number("\(seed)"), "passed": .bool(outcome.passed),
                "first_day": .string(outcome.firstDay.description), "last_day": .string(outcome.lastDay.description),
                "duration_seconds": .number("\(seconds)"), "replicas": .number("\(replicas)"),
                "figures": .object(Dictionary(uniqueKeysWithValues: outcome.figures.map { ($0.0, JSONValue.number("\($0.1)")) })),
                "findings": .array(outcome.findings.map(JSONValue.string)),
            ]))
        } else {
            print("e2e \(outcome.prefix): business dates \(outcome.firstDay) to \(outcome.lastDay), \(seconds / 60) min \(seconds % 60) s")
            print("  " + outcome.figures.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            outcome.findings.prefix(50).forEach { print("  FAIL  \($0)") }
            print(outcome.passed ? "e2e: audit passed" : "e2e: AUDIT FAILED (\(outcome.findings.count) findings)")
        }
        if !outcome.passed { throw ExitCode(1) }
    }
}
