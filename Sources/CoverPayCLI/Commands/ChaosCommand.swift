import ArgumentParser
import CoverPayCore
import CoverPayTools
import Fleet
import Foundation
import ReconcilerWorker

struct ChaosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Bill books through days on the business clock while workers are killed, the broker restarted and the database crashed; audit each run.",
        discussion: """
            Drives the local fleet and services (Deploy/local/fleet, Deploy/local/services) of this checkout: for local \
            test fleets only. Audits from the database, the sandbox books and the NACHA files: charges per attempt, \
            collections per installment, installments without an outcome, NACHA entries per presentment, journal entries \
            per payment, ledger balance, trust, outbox and stranded messages. docs/reliability.md.
            """
    )

    @Option(help: "How many runs.") var runs = 1
    @Option(help: "Policies per run.") var policies = 50
    @Option(help: "Business days per run (each takes about 2 s).") var days = 40
    @Option(help: "Replicas of every worker.") var replicas = 2
    @Option(help: "Seconds between faults (on average).") var faultInterval = 5
    @Option(help: "The first run's seed; run n uses seed + n.") var seed: UInt64 = 1
    @Option(help: "Seconds the fleet may take to drain after the faults stop.") var settleTimeout = 180
    @Option(help: "With a RabbitMQ cluster (services start --cluster 3): stop this node from a third of the days to two thirds.")
    var stopNode: Int?
    @Flag(help: "Print the runs as JSON.") var json = false

    func validate() throws {
        guard (1...100).contains(runs), (1...20_000).contains(policies), (5...400).contains(days), (1...5).contains(replicas) else {
            throw ValidationError("--runs 1...100 (a month each, counting back from 2088-12), --policies 1...20000, --days 5...400, --replicas 1...5")
        }
        if let stopNode, !(1...9).contains(stopNode) { throw ValidationError("--stop-node takes a cluster node number, 1...9") }
    }

    func run() throws {
        let environment = try CLIEnvironment()
        let root = URL(fileURLWithPath: environment.configuration.schemasDirectory).deletingLastPathComponent()
        let bank = SandboxBank.fromEnvironment
        let chaos = ChaosRun(
            configuration: environment.configuration, queues: Catalog.queues, workers: Catalog.workers.map(\.name),
            settings: .init(
                policies: policies, days: days, replicas: replicas, faultInterval: .seconds(faultInterval),
                settleTimeout: .seconds(settleTimeout), repositoryRoot: root,
                achOutboundDirectory: bank.outboundDirectory, stoppedNode: stopNode
            )
        ) { day, _ in
            // The bank's own login, connected per day: the run crashes the database between days.
            if BankingCalendar.federalReserve.isBankingDay(day) { _ = try bank.settle(date: day, database: try environment.sandboxDatabase()) }
        }
        var outcomes: [ChaosRun.Outcome] = []
        do {
            for number in 0..<runs {
                outcomes.append(try chaos.run(number: number, seed: seed &+ UInt64(number)) { if !json { print($0); fflush(nil) } })
                outcomes.last?.findings.prefix(20).forEach { if !json { print("  FAIL  \($0)") } }
                fflush(nil)  // a run takes minutes: show each line as it ends (stdout may be a file)
            }
        } catch let error as ToolError {
            throw CLIError(error.description)
        }
        let failed = outcomes.filter { !$0.passed }
        if json {
            Output.json(.array(outcomes.map { outcome in
                .object([
                    "run": .number("\(outcome.run)"), "seed": .number("\(outcome.seed)"), "passed": .bool(outcome.passed),
                    "faults": .array(outcome.faults.map(JSONValue.string)), "installments": .number("\(outcome.installments)"),
                    "attempts": .number("\(outcome.attempts)"), "findings": .array(outcome.findings.map(JSONValue.string)),
                ])
            }))
        } else {
            let faults = outcomes.map(\.faults.count).reduce(0, +), attempts = outcomes.map(\.attempts).reduce(0, +)
            print("chaos: \(outcomes.count - failed.count) of \(outcomes.count) runs passed; \(faults) faults, \(attempts) attempts audited")
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
