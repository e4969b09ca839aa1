import Logging
import Postgres

/// Periodic work of a worker (the scheduler's due-installment scan, sweeps). Replicas run it
/// concurrently, so a job claims rows with `FOR UPDATE SKIP LOCKED` and manages its transactions.
public protocol ScheduledJob: Sendable {
    var name: String { get }
    /// Does one unit of work and returns how many items it handled; 0 means idle until next interval.
    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int
}

/// Runs a `ScheduledJob` every `interval`, immediately again while it finds work.
struct ScheduledJobLoop: BlockingLoop {
    let job: any ScheduledJob
    let configuration: FleetConfiguration
    let worker: String
    let readiness: Readiness
    let doorbell: OutboxDoorbell
    let logger: Logger

    var name: String { "job:\(job.name)" }

    func run(until stop: StopSignal) {
        readiness.register(name)
        var backoff = Backoff()
        while !stop.isSet {
            do {
                let database = try PostgresConnection(url: configuration.databaseURL)
                readiness.set(name, ready: true)
                backoff.reset()
                while !stop.isSet {
                    let handled = try job.runOnce(database: database, worker: worker, logger: logger)
                    if Outbox.takeWrittenMark() { doorbell.ring() }
                    if handled == 0 { stop.sleep(configuration.scanInterval) }
                }
            } catch {
                readiness.set(name, ready: false)
                logger.warning("job failed; retrying", metadata: ["job": "\(job.name)", "error": "\(error)"])
                stop.sleep(backoff.next())
            }
        }
    }
}
