import AMQP
import CoverPayCore
import Fleet
import Foundation
import Postgres

/// What the demo watches to know the fleet has finished the day's work: every worker queue of the
/// catalog, the outbox, installments due but not yet announced, and the run's published events.
struct DemoFleet {
    let database: PostgresConnection
    let broker: AMQPConnection
    let queues: [QueueDefinition]
    let prefix: String

    struct Snapshot: Equatable {
        var queued = 0
        var outbox = 0
        var unannounced = 0
        /// The timeline's last sequence number: moves whenever any worker publishes anything.
        var lastEvent: Int64 = 0

        var idle: Bool { queued == 0 && outbox == 0 && unannounced == 0 }
    }

    func snapshot() throws -> Snapshot {
        var snapshot = Snapshot()
        for queue in queues { snapshot.queued += try broker.inspectQueue(queue.name, channel: 1).messages }
        let row = try database.query(
            """
            SELECT (SELECT count(*) FROM coverpay.outbox) AS outbox,
                   (SELECT count(*) FROM scheduler.entries WHERE status = 'Valid' AND NOT is_paid AND due_published_at IS NULL
                       AND total_cents > 0 AND due_date <= coverpay.business_date()) AS unannounced,
                   (SELECT coalesce(max(seq), 0) FROM coverpay.payment_events) AS last_event
            """
        )[0]
        snapshot.outbox = try row.decode("outbox")
        snapshot.unannounced = try row.decode("unannounced")
        snapshot.lastEvent = try row.decode("last_event")
        return snapshot
    }

    /// Waits until nothing is queued, unpublished or due-but-unannounced, and nothing new was
    /// published for three looks in a row; gives up after `timeout` (the day's leftovers are
    /// then handled the next day, and the progress line shows them in flight).
    func waitUntilQuiet(timeout: Duration = .seconds(120)) throws {
        let deadline = ContinuousClock.now + timeout
        var previous: Snapshot?
        var stableFor = 0
        while ContinuousClock.now < deadline {
            let snapshot = try snapshot()
            stableFor = snapshot.idle && snapshot == previous ? stableFor + 1 : 0
            if stableFor >= 2 { return }
            previous = snapshot
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Payments of this run still waiting for an outcome (ACH awaiting the bank, unknown card outcomes).
    func awaitingOutcome() throws -> Int {
        try database.query(
            "SELECT count(*) AS n FROM collector.payments WHERE policy_id LIKE $1 || '%' AND status IN ('pending', 'unknown')", [prefix]
        )[0].decode("n")
    }
}

/// The one-line progress display: days done, events per second, what is in flight. Redrawn in
/// place on a terminal; a line every 30 days otherwise (logs, CI).
final class DemoProgress {
    private let fleet: DemoFleet
    private let first: CalendarDate
    private let totalDays: Int
    private let quiet: Bool
    private let terminal = isatty(STDOUT_FILENO) == 1
    private let started = ContinuousClock.now
    private let firstEvent: Int64

    init(fleet: DemoFleet, first: CalendarDate, last: CalendarDate, quiet: Bool) {
        self.fleet = fleet
        self.first = first
        totalDays = first.days(until: last) + 1
        self.quiet = quiet
        firstEvent = (try? fleet.snapshot().lastEvent) ?? 0
    }

    func say(_ line: String) {
        guard !quiet else { return }
        print(line)
        fflush(nil)
    }

    func dayDone(_ day: CalendarDate) throws {
        guard !quiet else { return }
        let done = first.days(until: day) + 1
        guard terminal || done % 30 == 0 || done == totalDays else { return }
        let snapshot = try fleet.snapshot()
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
        let rate = Double(snapshot.lastEvent - firstEvent) / seconds
        let line = "day \(done)/\(totalDays) \(day)  \(Int(rate)) events/s  in flight: \(snapshot.queued) queued, "
            + "\(snapshot.outbox) in the outbox, \(try fleet.awaitingOutcome()) payments awaiting an outcome"
        if terminal {
            print("\r\u{1B}[K" + line, terminator: "")
        } else {
            print(line)
        }
        fflush(nil)  // every stream: stdout itself is not concurrency-safe to name in Swift 6
    }

    func finish() {
        if terminal && !quiet { print("") }
    }
}
