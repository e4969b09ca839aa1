import AMQP
import CoverPayCore
import Fleet
import Postgres

/// Reads a policy's history from every place the fleet leaves one: the published-event timeline
/// (every worker's events), the scheduler's entry revisions, the ledger's journal, the dead-letter
/// queues and the audit of what operators did with them. Each source is read in its own order;
/// `PolicyTrace` merges them by time.
struct PolicyTraceReader {
    let database: PostgresConnection
    let broker: AMQPConnection
    /// The dead-letter queues to look in (every worker's and the unroutable queue).
    let deadLetterQueues: [String]

    /// RFC 3339 UTC with microseconds, the same in every query so the steps sort as text.
    private static func instant(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    /// The time of a row in its table's insertion order. The timestamp columns default to `now()`,
    /// the start of the writing transaction, which can be earlier than that of a row inserted
    /// before it (the collector records an attempt in a transaction of its own while the one that
    /// will record the outcome is already open). The running maximum in insertion order never
    /// goes back, and is still no later than the row's real insertion.
    private static func insertionInstant(_ column: String, order: String) -> String {
        instant("max(\(column)) OVER (ORDER BY \(order) ROWS UNBOUNDED PRECEDING)")
    }

    func trace(_ policyID: String, entry: Int?) throws -> PolicyTrace? {
        let events = try publishedEvents(policyID)
        let revisions = try entryRevisions(policyID)
        let journal = try journalEntries(policyID)
        let letters = try deadLetters(policyID)
        var knownEntries: [String: Int] = [:]
        for step in events + revisions + journal + letters { if let id = step.eventID, let number = step.entryNumber { knownEntries[id] = number } }
        let actions = try operatorActions(on: Set((events + revisions + journal + letters).compactMap(\.eventID)), entries: knownEntries)
        let sources = [events, revisions, journal, letters, actions]
        if sources.allSatisfy(\.isEmpty), try !scheduled(policyID) { return nil }
        return PolicyTrace(policyID: policyID, sources: sources, entry: entry)
    }

    private func scheduled(_ policyID: String) throws -> Bool {
        try !database.query("SELECT 1 FROM scheduler.policies WHERE policy_id = $1", [policyID]).isEmpty
    }

    private func publishedEvents(_ policyID: String) throws -> [TraceStep] {
        try database.query(
            """
            SELECT event_id, type, \(Self.insertionInstant("occurred_at", order: "seq")) AS at, body->>'source' AS source, (body->'data')::text AS data
            FROM coverpay.payment_events WHERE policy_id = $1 ORDER BY seq
            """, [policyID]
        ).map { row in
            let data = row["data"].flatMap { try? JSONValue.parse(Array($0.utf8)) }
            let type: String = try row.decode("type")
            return TraceStep(
                at: try row.decode("at"), type: type, worker: EventDigest.worker(source: row["source"]),
                entryNumber: EventDigest.entryNumber(data), summary: EventDigest.summary(type: type, data: data), eventID: row["event_id"]
            )
        }
    }

    private func entryRevisions(_ policyID: String) throws -> [TraceStep] {
        try database.query(
            """
            SELECT entry_number, event_id, cause, entry::text AS entry, \(Self.insertionInstant("at", order: "id")) AS at
            FROM scheduler.entry_revisions WHERE policy_id = $1 ORDER BY id
            """, [policyID]
        ).map { row in
            let entry = row["entry"].flatMap { try? JSONValue.parse(Array($0.utf8)) }
            return TraceStep(
                at: try row.decode("at"), type: "schedule.entry_revised", worker: "scheduler",
                entryNumber: try row.decode("entry_number", as: Int.self),
                summary: EventDigest.revision(cause: try row.decode("cause"), entry: entry), eventID: row["event_id"]
            )
        }
    }

    private func journalEntries(_ policyID: String) throws -> [TraceStep] {
        try database.query(
            """
            SELECT e.entry_id, e.event_id, e.event_type, e.rule, e.entry_number, e.posted_on::text AS posted_on, e.memo,
                   e.reverses_entry_id, \(Self.insertionInstant("e.posted_at", order: "e.entry_id")) AS at,
                   json_agg(json_build_object('account', l.account_code, 'debit', l.debit_cents, 'credit', l.credit_cents)
                            ORDER BY l.line_number)::text AS lines
            FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id)
            WHERE e.policy_id = $1 GROUP BY e.entry_id ORDER BY e.entry_id
            """, [policyID]
        ).map { row in
            let lines = (row["lines"].flatMap { try? JSONValue.parse(Array($0.utf8)) }?.arrayValue ?? []).map { line in
                EventDigest.JournalLine(
                    account: line["account"]?.stringValue ?? "-",
                    debit: Money(cents: Int64(line["debit"]?.intValue ?? 0)), credit: Money(cents: Int64(line["credit"]?.intValue ?? 0))
                )
            }
            return TraceStep(
                at: try row.decode("at"), type: "ledger.journal_entry", worker: "accounting-sync",
                entryNumber: try row.decodeIfPresent("entry_number", as: Int.self),
                summary: EventDigest.journal(
                    entryID: try row.decode("entry_id"), rule: try row.decode("rule"), eventType: try row.decode("event_type"),
                    postedOn: try row.decode("posted_on"), memo: try row.decode("memo"), lines: lines, reverses: row["reverses_entry_id"]
                ),
                eventID: row["event_id"]
            )
        }
    }

    /// Messages about the policy waiting in a dead-letter queue now, and the installment each names.
    private func deadLetters(_ policyID: String) throws -> [TraceStep] {
        let browser = DeadLetterBrowser(connection: broker)
        let filter = DeadLetterFilter(policyID: policyID)
        var steps: [TraceStep] = []
        for queue in deadLetterQueues {
            try browser.browse(queue) { letter in
                guard filter.matches(letter) else { return .keep }
                let data = (try? JSONValue.parse(letter.delivery.message.body))?["data"]
                let entry = EventDigest.entryNumber(data)
                let detail = letter.detail.isEmpty ? "" : ": \(letter.detail)"
                steps.append(TraceStep(
                    at: letter.firstSeen, type: "dlq.dead_letter", worker: letter.worker, entryNumber: entry,
                    summary: "\(letter.type) dead-lettered in \(letter.deadLetterQueue) after \(letter.attempts) attempt(s), reason \(letter.reason)\(detail)"
                        + " -- fix, then `coverpay dlq replay --id \(letter.id) --note WHY`",
                    eventID: letter.id
                ))
                return .keep
            }
        }
        return steps.sorted { $0.at < $1.at }
    }

    /// Replays and purges (dry runs included) of any message of this policy.
    private func operatorActions(on messageIDs: Set<String>, entries: [String: Int]) throws -> [TraceStep] {
        guard !messageIDs.isEmpty else { return [] }
        let ids = JSONValue.array(messageIDs.sorted().map(JSONValue.string)).serialized()
        return try database.query(
            """
            SELECT \(Self.instant("at")) AS at, actor, action, queue, message_id, coalesce(reason, '-') AS reason, dry_run, coalesce(note, '') AS note
            FROM coverpay.dlq_audit WHERE message_id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY id
            """, [ids]
        ).map { row in
            let messageID: String = try row.decode("message_id"), action: String = try row.decode("action")
            let dryRun = try row.decode("dry_run", as: Bool.self) ? " (dry run)" : ""
            let note = (row["note"] ?? "").isEmpty ? "" : ": \(row["note"] ?? "")"
            return TraceStep(
                at: try row.decode("at"), type: "dlq.\(action)", worker: "operator", entryNumber: entries[messageID],
                summary: "\(action)\(dryRun) from \(row["queue"] ?? "-") by \(row["actor"] ?? "-") (was \(row["reason"] ?? "-"))\(note)",
                eventID: messageID
            )
        }
    }
}
