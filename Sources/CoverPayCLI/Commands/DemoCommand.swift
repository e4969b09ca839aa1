import AMQP
import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres
import ReconcilerWorker

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Publish a demo book as upstream would, bill it day by day through a simulated year on the business clock, then report.",
        discussion: """
            Needs the fleet running (Deploy/local/fleet start). Each run uses new policy ids, reports only its own book, \
            and returns the business clock to real time at the end.
            """
    )

    @Option(help: "How many policies the book holds (1...\(DemoBook.maximumPolicies)).") var policies = 500
    @Option(help: "The billing year to simulate.") var year = 2027
    @Option(help: "How many months the clock runs from January 1 (terms start in January and run a year).") var months = 13
    @Flag(help: "Print the final report as JSON.") var json = false

    func validate() throws {
        guard (1...DemoBook.maximumPolicies).contains(policies) else { throw ValidationError("--policies must be 1...\(DemoBook.maximumPolicies)") }
        guard (1...24).contains(months) else { throw ValidationError("--months must be 1...24") }
    }

    func run() throws {
        let environment = try CLIEnvironment()
        let database = try environment.database()
        let broker = try environment.broker()
        try broker.enableConfirms(channel: 1)
        for queue in Catalog.queues where try broker.inspectQueue(queue.name, channel: 1).consumers == 0 {
            throw CLIError("no worker consumes \(queue.name); start the fleet first: Deploy/local/fleet start")
        }
        let book = DemoBook(runID: String(UUID().uuidString.prefix(6)).lowercased(), year: year, policyCount: policies)
        let fleet = DemoFleet(database: database, broker: broker, queues: Catalog.queues, prefix: "DEMO-\(book.runID)-")
        let first = try CalendarDate(year: year, month: 1, day: 1)
        let last = first.addingMonths(months).adding(days: -1)
        let progress = DemoProgress(fleet: fleet, first: first, last: last, quiet: json)
        progress.say("demo run \(book.runID): \(policies) policies billed day by day from \(first) to \(last)")

        try BusinessClock.set(first.adding(days: -1).description, database)
        for chunk in book.issuances.chunked(500) { try EventPublisher.publish(Array(chunk), on: broker) }
        try fleet.waitUntilQuiet()
        let upstream = DemoUpstream(changes: book.changes, broker: broker)

        // One simulated day: each step runs, then the fleet is left to finish what it caused. The
        // sandbox bank answers each business day's NACHA files and card charges, as a bank's and a
        // processor's overnight files would.
        let bank = SandboxBank.fromEnvironment
        let bankDatabase = try environment.sandboxDatabase()
        let steps: [DemoStep] = [
            DemoStep("upstream") { day in try upstream.publish(through: day) },
            DemoStep("clock") { day in try BusinessClock.set(day.description, database) },
            DemoStep("bank") { day in
                if BankingCalendar.federalReserve.isBankingDay(day) { _ = try bank.settle(date: day, database: bankDatabase) }
            },
        ]
        var day = first
        while day <= last {
            for step in steps {
                try step.run(day)
                try fleet.waitUntilQuiet()
            }
            try progress.dayDone(day)
            day = day.adding(days: 1)
        }
        progress.finish()
        let report = try DemoReport.build(database, prefix: fleet.prefix, runID: book.runID, from: first, to: last)
        try BusinessClock.reset(database)
        if json { Output.json(report.json) } else { report.print() }
    }
}

/// One thing that happens on every simulated day.
struct DemoStep {
    let name: String
    let run: (CalendarDate) throws -> Void

    init(_ name: String, _ run: @escaping (CalendarDate) throws -> Void) {
        self.name = name
        self.run = run
    }
}

/// The upstream policy system's traffic after issuance, released on its effective date.
final class DemoUpstream {
    private var pending: ArraySlice<DemoBook.Change>
    private let broker: AMQPConnection

    init(changes: [DemoBook.Change], broker: AMQPConnection) {
        pending = changes[...]
        self.broker = broker
    }

    func publish(through day: CalendarDate) throws {
        let today = pending.prefix { $0.date <= day }
        guard !today.isEmpty else { return }
        try EventPublisher.publish(today.map(\.event), on: broker)
        pending = pending.dropFirst(today.count)
    }
}

private extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
