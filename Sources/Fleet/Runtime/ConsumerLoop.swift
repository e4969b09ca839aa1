import AMQP
import CoverPayCore
import Foundation
import Logging
import Postgres

/// Consumes one queue on a thread of its own: validates each message, runs the handler inside one
/// transaction with the inbox record and outbox rows, then acknowledges. Bad input goes to the
/// queue's DLQ, transient failures to a delay queue; connections lost while running are re-opened
/// with backoff while the message in hand waits (it is never acknowledged before its effects commit).
struct ConsumerLoop: BlockingLoop {
    let name: String
    let handler: any EventHandler
    let validator: EventValidator
    let configuration: FleetConfiguration
    let worker: String
    let readiness: Readiness
    let doorbell: OutboxDoorbell
    let logger: Logger

    private var queue: QueueDefinition { handler.queue }
    private var metrics: FleetMetrics { FleetMetrics(worker: worker) }

    func run(until stop: StopSignal) {
        readiness.register(name)
        var backoff = Backoff()
        while !stop.isSet {
            do {
                let session = try Session(loop: self)
                readiness.set(name, ready: true)
                backoff.reset()
                try session.consume(until: stop)
            } catch {
                readiness.set(name, ready: false)
                logger.warning("consumer disconnected; reconnecting", metadata: ["queue": "\(queue.name)", "error": "\(error)"])
                stop.sleep(backoff.next())
            }
        }
        readiness.set(name, ready: false)
    }

    /// The connections of one connected period: a consuming AMQP connection, a confirming publisher
    /// for dead letters and retries, and a PostgreSQL connection.
    private final class Session {
        let loop: ConsumerLoop
        let consumer: AMQPConnection
        let publisher: AMQPConnection
        let database: PostgresConnection

        init(loop: ConsumerLoop) throws {
            self.loop = loop
            let amqp = try AMQPConfiguration(url: loop.configuration.amqpURL)
            database = try PostgresConnection(url: loop.configuration.databaseURL)
            consumer = try AMQPConnection(amqp)
            publisher = try AMQPConnection(amqp)
            try consumer.openChannel(1)
            try consumer.setPrefetch(loop.configuration.prefetch, channel: 1)
            try consumer.consume(queue: loop.queue.name, channel: 1, consumerTag: "\(loop.configuration.workerID)/\(loop.name)")
            try publisher.openChannel(1)
            try publisher.enableConfirms(channel: 1)
        }

        /// Takes what has arrived (up to `COVERPAY_BATCH` messages) and processes it in one
        /// transaction: one commit, one fsync, for the whole batch.
        func consume(until stop: StopSignal) throws {
            while !stop.isSet {
                guard let first = try consumer.nextDelivery(timeout: .milliseconds(250)) else {
                    try publisher.pollIdle()
                    continue
                }
                var batch = [first]
                // A linger lets a steady trickle share transactions; zero takes only what is there.
                let deadline = ContinuousClock.now + loop.configuration.batchLinger
                while batch.count < loop.configuration.batchSize,
                      let next = try consumer.nextDelivery(timeout: max(.zero, deadline - ContinuousClock.now)) {
                    batch.append(next)
                }
                try process(batch, stop: stop)
            }
        }

        private func process(_ batch: [AMQPDelivery], stop: StopSignal) throws {
            let started = ContinuousClock.now
            var valid: [(delivery: AMQPDelivery, event: CloudEvent)] = []
            for delivery in batch {
                switch loop.validator.validate(delivery.message.body) {
                case .failure(let rejection):
                    try deadLetter(delivery, reason: rejection.reason.rawValue, detail: rejection.detail, body: rejection.body)
                case .success(let event):
                    valid.append((delivery, event))
                }
            }
            // One global lock order across consumers: see `inPolicyLockOrder`.
            valid = valid.inPolicyLockOrder(\.event)
            guard !valid.isEmpty, let outcomes = try handle(valid, stop: stop) else { return }
            if Outbox.takeWrittenMark() { loop.doorbell.ring() }
            for ((delivery, event), outcome) in zip(valid, outcomes) {
                switch outcome {
                case .processed, .duplicate:
                    FaultInjection.crashIfArmed("after_commit", messageID: event.id)
                    try consumer.ack(delivery)
                    loop.metrics.consumed(queue: loop.queue.name, outcome: outcome == .processed ? "processed" : "duplicate")
                case .rejected(let reason, let detail):
                    try deadLetter(delivery, reason: reason, detail: detail, body: delivery.message.body)
                case .failed(let detail):
                    try retryLater(delivery, detail: detail)
                }
            }
            loop.metrics.handled(queue: loop.queue.name, duration: (ContinuousClock.now - started) / batch.count)
        }

        enum Outcome: Equatable {
            case processed, duplicate
            case rejected(reason: String, detail: String)
            case failed(String)
        }

        /// Runs the handlers of a batch in one transaction, each message under its own savepoint with
        /// its inbox record, so one refused or failing message does not undo the others. Returns nil
        /// when shutting down while the database is unreachable: the messages stay unacknowledged
        /// and are redelivered.
        private func handle(_ batch: [(delivery: AMQPDelivery, event: CloudEvent)], stop: StopSignal) throws -> [Outcome]? {
            var backoff = Backoff()
            while true {
                do {
                    return try database.transaction { database in
                        let today = BusinessDateOnce()
                        return try batch.map { try handleOne($0.event, $0.delivery, today, database) }
                    }
                } catch let error as PostgresError where error.code == .connectionLost || error.code == .connectionFailed {
                    loop.readiness.set(loop.name, ready: false)
                    loop.logger.warning("database unreachable; holding \(batch.count) message(s) and reconnecting", metadata: ["error": "\(error)"])
                    guard stop.sleep(backoff.next()) else { return nil }
                    try? database.reconnect()
                    if database.isConnected { loop.readiness.set(loop.name, ready: true) }
                } catch {
                    // The commit itself failed (e.g. a serialization conflict): nothing took effect.
                    loop.logger.warning("batch failed; will retry its messages", metadata: ["error": "\(error)"])
                    return batch.map { _ in .failed("\(error)") }
                }
            }
        }

        private func handleOne(_ event: CloudEvent, _ delivery: AMQPDelivery, _ today: BusinessDateOnce, _ database: PostgresConnection) throws -> Outcome {
            let traceID = delivery.message.headers[Headers.traceID]?.stringValue ?? event.id
            var logger = loop.logger
            logger[metadataKey: "event_id"] = "\(event.id)"
            logger[metadataKey: "policy_id"] = "\(event.policyID ?? "-")"
            logger[metadataKey: "trace_id"] = "\(traceID)"
            // Not released on success: ROLLBACK TO rolls back to the newest savepoint of the name,
            // which is this message's, and skipping RELEASE saves a round trip per message.
            try database.query("SAVEPOINT message")
            do {
                let fresh = try database.query(
                    "INSERT INTO coverpay.inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS fresh",
                    [loop.queue.name, event.id]
                )
                if !fresh.isEmpty {
                    try loop.handler.handle(event, context: HandlerContext(database: database, worker: loop.worker, traceID: traceID, logger: logger, today: today))
                }
                return fresh.isEmpty ? .duplicate : .processed
            } catch let error as PostgresError where error.code == .connectionLost || error.code == .connectionFailed {
                throw error
            } catch {
                try database.query("ROLLBACK TO SAVEPOINT message")
                if case HandlerError.rejected(let reason, let detail) = error {
                    logger.warning("event rejected", metadata: ["reason": "\(reason)", "detail": "\(detail)"])
                    return .rejected(reason: reason, detail: detail)
                }
                logger.warning("event failed; will retry", metadata: ["error": "\(error)"])
                return .failed("\(error)")
            }
        }

        private func attempt(of delivery: AMQPDelivery) -> Int {
            Int(delivery.message.headers[Headers.attempt]?.intValue ?? 1)
        }

        private func firstSeen(of delivery: AMQPDelivery) -> String {
            delivery.message.headers[Headers.firstSeen]?.stringValue ?? Date().formatted(.iso8601)
        }

        private func originalRoutingKey(of delivery: AMQPDelivery) -> String {
            delivery.message.headers[Headers.originalRoutingKey]?.stringValue ?? delivery.routingKey
        }

        /// Sends the message to its delay queue with the attempt count raised, or to the DLQ once the
        /// attempts are used up.
        private func retryLater(_ delivery: AMQPDelivery, detail: String) throws {
            let attempt = attempt(of: delivery)
            guard attempt < loop.configuration.maxAttempts else {
                return try deadLetter(delivery, reason: "retries_exhausted", detail: detail, body: delivery.message.body)
            }
            var message = delivery.message
            message.headers[Headers.attempt] = .int(Int64(attempt + 1))
            message.headers[Headers.firstSeen] = .string(firstSeen(of: delivery))
            message.headers[Headers.originalRoutingKey] = .string(originalRoutingKey(of: delivery))
            let delayQueue = loop.queue.retryQueue(delay: Topology.retryDelay(forAttempt: attempt))
            try publisher.publish(message, exchange: Topology.retryExchange, routingKey: delayQueue, channel: 1)
            try publisher.waitForConfirms(channel: 1)
            try consumer.ack(delivery)
            loop.metrics.consumed(queue: loop.queue.name, outcome: "retried")
        }

        /// Publishes the message (with card numbers masked) to the queue's DLQ with the reason in
        /// headers, waits for the broker's confirm, and only then acknowledges the original.
        private func deadLetter(_ delivery: AMQPDelivery, reason: String, detail: String, body: [UInt8]) throws {
            var message = delivery.message
            message.body = body
            message.headers[Headers.errorReason] = .string(reason)
            message.headers[Headers.errorDetail] = .string(String(detail.prefix(1000)))
            message.headers[Headers.errorWorker] = .string(loop.configuration.workerID)
            message.headers[Headers.errorAttempts] = .int(Int64(attempt(of: delivery)))
            message.headers[Headers.errorFirstSeen] = .string(firstSeen(of: delivery))
            message.headers[Headers.originalExchange] = .string(Topology.eventsExchange)
            message.headers[Headers.originalRoutingKey] = .string(originalRoutingKey(of: delivery))
            message.headers[Headers.originalQueue] = .string(loop.queue.name)
            try publisher.publish(message, exchange: Topology.deadLetterExchange, routingKey: loop.queue.deadLetterQueue, channel: 1)
            let unroutable = try publisher.waitForConfirms(channel: 1)
            guard unroutable.isEmpty else {
                throw AMQPError(.unroutable, "dead-letter queue '\(loop.queue.deadLetterQueue)' is missing; run coverpay topology apply")
            }
            try consumer.ack(delivery)
            loop.logger.warning("dead-lettered", metadata: [
                "queue": "\(loop.queue.name)", "reason": "\(reason)", "detail": "\(PANScanner.masked(detail))",
                "message_id": "\(delivery.message.messageID ?? "-")",
            ])
            loop.metrics.deadLettered(queue: loop.queue.name, reason: reason)
        }
    }
}
