import CoverPayCore
import Foundation
import Postgres

/// Writes messages to `coverpay.outbox` inside the caller's transaction, so an event exists exactly
/// when the effect that caused it does; the `OutboxRelay` publishes them afterwards.
public enum Outbox {
    /// Stores a fleet event for publishing on `coverpay.events` and records it in the timeline.
    @discardableResult
    public static func enqueue(
        _ event: CloudEvent, producer: String, traceID: String, on database: PostgresConnection
    ) throws -> CloudEvent {
        let body = event.json.serialized()
        try database.query(
            """
            WITH queued AS (
                INSERT INTO coverpay.outbox (producer, message_id, exchange, routing_key, message_type, body, headers)
                VALUES ($1, $2, $3, $4, $4, $5, $6::jsonb)
            )
            INSERT INTO coverpay.payment_events (event_id, type, policy_id, body) VALUES ($2, $4, $7, $5::jsonb)
            ON CONFLICT (event_id) DO NOTHING
            """,
            [producer, event.id, Topology.eventsExchange, event.type, body,
             JSONValue.object([Headers.traceID: .string(traceID)]).serialized(), event.policyID]
        )
        markWritten()
        return event
    }

    /// Stores a message for a dead-letter queue (e.g. a parked event that waited too long).
    public static func enqueueDeadLetter(
        body: String, messageID: String, type: String, queue: QueueDefinition, headers: [String: String],
        producer: String, on database: PostgresConnection
    ) throws {
        try database.query(
            """
            INSERT INTO coverpay.outbox (producer, message_id, exchange, routing_key, message_type, body, headers)
            VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """,
            [producer, messageID, Topology.deadLetterExchange, queue.deadLetterQueue, type, body,
             JSONValue.object(headers.mapValues { .string($0) }).serialized()]
        )
        markWritten()
    }

    /// The thread-dictionary key of the mark.
    private static let writtenMark = "OutboxRowsWrittenOnThisThread"

    private static func markWritten() { Thread.current.threadDictionary[writtenMark] = true }

    /// Whether this thread wrote outbox rows since the last call, and clears the mark. A consumer or
    /// job runs its whole transaction on its own thread, so after the commit this says whether there
    /// is anything to wake the relay for (most batches of most workers emit nothing). A mark left by
    /// a transaction that then failed costs one needless wake.
    static func takeWrittenMark() -> Bool {
        let dictionary = Thread.current.threadDictionary
        defer { dictionary.removeObject(forKey: writtenMark) }
        return dictionary[writtenMark] != nil
    }

    /// A new CloudEvent from this worker.
    public static func makeEvent(type: String, subject: String?, data: JSONValue, source: String) -> CloudEvent {
        CloudEvent(
            id: UUID().uuidString.lowercased(), source: "coverpay/\(source)", type: type, subject: subject,
            time: Date().formatted(.iso8601), data: data
        )
    }
}
