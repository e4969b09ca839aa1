import CoverPayCore
import Fleet
import Logging
import Postgres

/// Dead-letters events that waited longer than the timeout for a missing predecessor: reason
/// `unknown_policy` when the policy was never issued, `sequence_gap_timeout` otherwise.
struct ParkedEventSweep: ScheduledJob {
    let name = "parked-events"
    let timeoutSeconds: Int

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try database.transaction { database in
            let rows = try database.query(
                """
                DELETE FROM scheduler.parked_events WHERE ctid IN (
                    SELECT ctid FROM scheduler.parked_events WHERE parked_at < now() - make_interval(secs => $1)
                    ORDER BY parked_at LIMIT 100 FOR UPDATE SKIP LOCKED)
                RETURNING policy_id, sequence, body,
                          to_char(parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS parked_at,
                          (SELECT last_sequence FROM scheduler.policies p WHERE p.policy_id = parked_events.policy_id) AS last_sequence
                """,
                [timeoutSeconds]
            )
            for row in rows {
                let body: String = try row.decode("body")
                let event = try CloudEvent(json: JSONValue.parse(Array(body.utf8)))
                let lastSequence = try row.decodeIfPresent("last_sequence", as: Int.self) ?? 0
                let sequence: Int = try row.decode("sequence")
                let (reason, detail) = lastSequence == 0
                    ? ("unknown_policy", "policy '\(event.policyID ?? "-")' was never issued (waited \(timeoutSeconds) s for its issuance)")
                    : ("sequence_gap_timeout", "sequence \(sequence) waited \(timeoutSeconds) s for sequence \(lastSequence + 1)")
                try Self.deadLetter(body: body, event: event, reason: reason, detail: detail, firstSeen: row["parked_at"], database)
                logger.warning("parked event dead-lettered", metadata: ["event_id": "\(event.id)", "reason": "\(reason)"])
            }
            return rows.count
        }
    }

    /// Sends a stored event to the scheduler's DLQ through the outbox, with the usual error headers.
    static func deadLetter(body: String, event: CloudEvent, reason: String, detail: String, firstSeen: String?, _ database: PostgresConnection) throws {
        var headers = [
            Headers.errorReason: reason, Headers.errorDetail: detail, Headers.errorWorker: "scheduler",
            Headers.errorAttempts: "1", Headers.originalExchange: Topology.eventsExchange,
            Headers.originalRoutingKey: event.type, Headers.originalQueue: SchedulerWorker.queue.name,
        ]
        headers[Headers.errorFirstSeen] = firstSeen
        try Outbox.enqueueDeadLetter(
            body: body, messageID: event.id, type: event.type, queue: SchedulerWorker.queue,
            headers: headers, producer: "scheduler", on: database
        )
    }
}
