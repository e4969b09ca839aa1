import AMQP
import CoverPayCore
import Foundation
import Logging
import Postgres

/// Publishes this worker's outbox rows with publisher confirms, then deletes them, all inside one
/// transaction holding the rows with `FOR UPDATE SKIP LOCKED` (replicas share the backlog). A crash
/// between publish and delete republishes; consumers' inboxes absorb the duplicate.
struct OutboxRelay: BlockingLoop {
    let name = "outbox-relay"
    let producer: String
    let configuration: FleetConfiguration
    let readiness: Readiness
    let doorbell: OutboxDoorbell
    let logger: Logger
    /// How long the relay waits for a ring when it found no rows: the delay of rows committed
    /// without ringing this process's bell (by another replica, or by the operator's CLI).
    static let idlePoll: Duration = .milliseconds(50)
    /// How often the `coverpay_outbox_backlog` gauge is refreshed (one count query).
    static let backlogSampleInterval: Duration = .seconds(5)

    func run(until stop: StopSignal) {
        readiness.register(name)
        var backoff = Backoff()
        while true {
            do {
                let database = try PostgresConnection(url: configuration.databaseURL)
                // The relay's commits only delete rows already published: one lost in a crash is
                // published again and the consumers' inboxes drop the copy. So they need not wait
                // for the WAL flush, which lets a relay woken by every commit cost no fsync of its own.
                try database.query("SET synchronous_commit TO off")
                let broker = try AMQPConnection(AMQPConfiguration(url: configuration.amqpURL))
                try broker.openChannel(1)
                try broker.enableConfirms(channel: 1)
                readiness.set(name, ready: true)
                backoff.reset()
                try relay(database, broker, until: stop)
                return
            } catch {
                readiness.set(name, ready: false)
                logger.warning("outbox relay disconnected; reconnecting", metadata: ["error": "\(error)"])
                // Stopping while disconnected leaves the rows in PostgreSQL for the next start.
                guard stop.sleep(backoff.next()) else { return }
            }
        }
    }

    /// Relays until stopped; on stop, keeps going until the backlog is empty (flush), then returns.
    private func relay(_ database: PostgresConnection, _ broker: AMQPConnection, until stop: StopSignal) throws {
        let metrics = FleetMetrics(worker: producer)
        var sampledAt: ContinuousClock.Instant?
        while true {
            if sampledAt.map({ ContinuousClock.now - $0 > Self.backlogSampleInterval }) ?? true {
                let backlog = try database.query("SELECT count(*) AS n FROM coverpay.outbox WHERE producer = $1", [producer])
                metrics.outboxBacklog(try backlog[0].decode("n", as: Int.self))
                sampledAt = .now
            }
            let count = try relayBatch(database, broker, metrics: metrics)
            if count == 0 {
                if stop.isSet { return }
                doorbell.wait(timeout: Self.idlePoll)
                try broker.pollIdle(timeout: .zero)
            }
        }
    }

    private func relayBatch(_ database: PostgresConnection, _ broker: AMQPConnection, metrics: FleetMetrics) throws -> Int {
        try database.transaction { database in
            let rows = try database.query(
                """
                SELECT id, message_id, exchange, routing_key, message_type, body, headers::text AS headers
                FROM coverpay.outbox WHERE producer = $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                """,
                [producer, configuration.outboxBatchSize]
            )
            guard !rows.isEmpty else { return 0 }
            for row in rows {
                let headers = try JSONValue.parse(Array(row.decode("headers", as: String.self).utf8)).objectValue ?? [:]
                let message = AMQPMessage(
                    body: Array(try row.decode("body", as: String.self).utf8),
                    messageID: try row.decode("message_id"), type: try row.decode("message_type"),
                    contentType: CloudEvent.contentType,
                    headers: headers.compactMapValues { $0.stringValue.map(AMQPFieldValue.string) }
                )
                try broker.publish(message, exchange: try row.decode("exchange"), routingKey: try row.decode("routing_key"), channel: 1)
            }
            let unroutable = try broker.waitForConfirms(channel: 1)
            if !unroutable.isEmpty {
                metrics.unroutable(count: unroutable.count)
                logger.debug("published events no queue is bound to", metadata: ["message_ids": "\(unroutable)"])
            }
            let ids = try rows.map { try $0.decode("id", as: Int64.self) }
            try database.query("DELETE FROM coverpay.outbox WHERE id = ANY($1::bigint[])", [ids])
            metrics.relayed(count: rows.count)
            return rows.count
        }
    }
}
