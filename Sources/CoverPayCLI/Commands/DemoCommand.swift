import AMQP
import ArgumentParser
import CollectorWorker
import CoverPayCore
import Fleet
import Foundation
import Postgres
import SchedulerWorker

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a demo book and bill it through a simulated year on the business clock, then report.",
        discussion: "Needs the fleet running (Deploy/local/fleet start). Each run uses new policy ids and returns the business clock to real time at the end."
    )

    @Option(help: "How many policies the book holds.") var policies = 42
    @Option(help: "The billing year to simulate.") var year = 2027
    @Option(help: "Days the business clock moves per step.") var stepDays = 7
    @Flag(help: "Print the final report as JSON.") var json = false

    func validate() throws {
        guard (1...2000).contains(policies) else { throw ValidationError("--policies must be 1...2000") }
        guard (1...31).contains(stepDays) else { throw ValidationError("--step-days must be 1...31") }
    }

    func run() throws {
        let environment = try CLIEnvironment()
        let database = try environment.database()
        let broker = try environment.broker()
        try broker.enableConfirms(channel: 1)
        for queue in [SchedulerWorker.queue.name, CollectorWorker.installmentsQueue.name] where try broker.inspectQueue(queue, channel: 1).consumers == 0 {
            throw CLIError("no worker consumes \(queue); start the fleet first: Deploy/local/fleet start")
        }
        let book = DemoBook(runID: String(UUID().uuidString.prefix(6)).lowercased(), year: year, policyCount: policies)
        let watcher = DemoProgress(database: database, broker: broker, prefix: "DEMO-\(book.runID)-")
        let first = try CalendarDate(year: year, month: 1, day: 1)
        let last = first.addingMonths(13)
        log("demo run \(book.runID): \(policies) policies billed from \(first) to \(last), \(stepDays)-day steps")

        try BusinessClock.set(first.adding(days: -1).description, database)
        try EventPublisher.publish(book.issuances, on: broker)
        try watcher.waitUntilQuiet()
        var pending = book.changes[...]
        var date = first
        var lastReport = first
        while date <= last {
            let today = pending.prefix { $0.date <= date }
            if !today.isEmpty { try EventPublisher.publish(today.map(\.event), on: broker) }
            pending = pending.dropFirst(today.count)
            try BusinessClock.set(date.description, database)
            try watcher.waitUntilQuiet()
            if date.days(until: lastReport) <= -28 || date == first {
                log(try watcher.progressLine(on: date))
                lastReport = date
            }
            date = date.adding(days: stepDays)
        }
        let report = try DemoReport.build(database, prefix: watcher.prefix, runID: book.runID, from: first, to: last)
        try BusinessClock.reset(database)
        if json { Output.json(report.json) } else { report.print() }
    }

    private func log(_ line: String) {
        if !json { print(line) }
    }
}

/// Watches the fleet catch up after each step of the clock.
struct DemoProgress {
    let database: PostgresConnection
    let broker: AMQPConnection
    let prefix: String

    /// Waits until nothing is queued, unpublished or due-but-unannounced and the run's counters have
    /// stopped moving; gives up after a minute (the report then says what was still in flight).
    func waitUntilQuiet(timeout: Duration = .seconds(60)) throws {
        let deadline = ContinuousClock.now + timeout
        var previous: [Int] = []
        var stableFor = 0
        while ContinuousClock.now < deadline {
            let snapshot = try self.snapshot()
            let idle = snapshot.prefix(3).allSatisfy { $0 == 0 }
            stableFor = idle && snapshot == previous ? stableFor + 1 : 0
            if stableFor >= 2 { return }
            previous = snapshot
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Backlogs first (all must be zero when quiet), then the run's counters.
    private func snapshot() throws -> [Int] {
        let ready = try [SchedulerWorker.queue, CollectorWorker.policiesQueue, CollectorWorker.installmentsQueue]
            .map { try broker.inspectQueue($0.name, channel: 1).messages }.reduce(0, +)
        let row = try database.query(
            """
            SELECT (SELECT count(*) FROM coverpay.outbox) AS outbox,
                   (SELECT count(*) FROM scheduler.entries WHERE status = 'Valid' AND NOT is_paid AND due_published_at IS NULL
                       AND total_cents > 0 AND due_date <= coverpay.business_date()) AS unannounced,
                   (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%') AS events,
                   (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%') AS payments,
                   (SELECT count(*) FROM scheduler.entries WHERE policy_id LIKE $1 || '%' AND is_paid) AS paid
            """, [prefix]
        )[0]
        return try [ready] + ["outbox", "unannounced", "events", "payments", "paid"].map { try row.decode($0, as: Int.self) }
    }

    func progressLine(on date: CalendarDate) throws -> String {
        let row = try database.query(
            """
            SELECT (SELECT count(*) FROM coverpay.payment_events WHERE policy_id LIKE $1 || '%' AND type = 'coverpay.installment.due') AS due,
                   (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%' AND status = 'succeeded') AS succeeded,
                   (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%' AND status = 'pending') AS pending,
                   (SELECT count(*) FROM collector.payments WHERE policy_id LIKE $1 || '%' AND status = 'failed') AS failed
            """, [prefix]
        )[0]
        return "  \(date)  installments due \(row["due"] ?? "0"), card charges succeeded \(row["succeeded"] ?? "0"), ACH pending settlement \(row["pending"] ?? "0"), failed \(row["failed"] ?? "0")"
    }
}
