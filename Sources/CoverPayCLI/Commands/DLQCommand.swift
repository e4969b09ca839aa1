import AMQP
import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres

struct DLQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect, replay and purge dead-letter queues; every action is audited.",
        subcommands: [List.self, Show.self, Replay.self, Purge.self, Audit.self]
    )

    /// The filters shared by list, replay and purge.
    struct Selection: ParsableArguments {
        @Option(help: "A worker queue (e.g. scheduler.events) or its DLQ, or coverpay.unroutable; all when omitted.") var queue: String?
        @Option(help: "Only messages of this event type.") var type: String?
        @Option(help: "Only messages about this policy.") var policy: String?
        @Option(help: "Only messages first seen at or after this RFC 3339 instant or date.") var since: String?
        @Option(help: "Only the message with this id.") var id: String?

        var filter: DeadLetterFilter { DeadLetterFilter(type: type, policyID: policy, id: id, since: since) }

        func deadLetterQueues() throws -> [String] {
            guard let queue else { return Catalog.deadLetterQueues }
            if queue == Topology.unroutableQueue { return [queue] }
            let name = queue.hasSuffix(".dlq") ? String(queue.dropLast(4)) : queue
            guard let known = Catalog.queues.first(where: { $0.name == name }) else {
                throw CLIError("unknown queue '\(queue)'; known: \(Catalog.queues.map(\.name).joined(separator: ", "))")
            }
            return [known.deadLetterQueue]
        }
    }

    /// Who acts and why, recorded in `coverpay.dlq_audit`.
    struct Actor: ParsableArguments {
        @Option(help: "Who is acting (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        @Option(help: "Why, for the audit trail.") var note: String?
    }

    static func collect(_ selection: Selection) throws -> [DeadLetter] {
        let browser = DeadLetterBrowser(connection: try CLIEnvironment().broker())
        var letters: [DeadLetter] = []
        for queue in try selection.deadLetterQueues() {
            try browser.browse(queue) { letter in
                if selection.filter.matches(letter) { letters.append(letter) }
                return .keep
            }
        }
        return letters
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, grouped by reason.")
        @OptionGroup var selection: Selection
        @Flag(help: "Print a JSON array.") var json = false

        func run() throws {
            let letters = try DLQCommand.collect(selection)
            if json { return Output.json(.array(letters.map(\.json))) }
            guard !letters.isEmpty else { return print("no dead letters") }
            for (reason, group) in Dictionary(grouping: letters, by: \.reason).sorted(by: { $0.key < $1.key }) {
                print("\(reason): \(group.count)")
            }
            print("")
            Output.table(
                ["ID", "QUEUE", "TYPE", "POLICY", "REASON", "ATTEMPTS", "FIRST SEEN"],
                letters.map { [$0.id, $0.queue, $0.type, $0.policyID ?? "-", $0.reason, "\($0.attempts)", $0.firstSeen] }
            )
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter: headers, reason and body.")
        @Argument(help: "The message (event) id.") var id: String
        @Option(help: "The queue to look in.") var queue: String?

        func run() throws {
            var selection = try Selection.parse([])
            selection.id = id
            selection.queue = queue
            guard let letter = try DLQCommand.collect(selection).first else { throw CLIError("no dead letter with id '\(id)'") }
            print("id:          \(letter.id)")
            print("queue:       \(letter.queue) (\(letter.deadLetterQueue))")
            print("type:        \(letter.type)")
            print("policy:      \(letter.policyID ?? "-")")
            print("reason:      \(letter.reason)")
            print("detail:      \(letter.detail)")
            print("worker:      \(letter.worker), attempts \(letter.attempts), first seen \(letter.firstSeen)")
            print("routing:     \(letter.originalExchange) / \(letter.originalRoutingKey)")
            for (name, value) in letter.delivery.message.headers.sorted(by: { $0.key < $1.key }) { print("header:      \(name) = \(value)") }
            print("body:")
            print(String(decoding: letter.delivery.message.body, as: UTF8.self))
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Republish matching dead letters to their original exchange and routing key."
        )
        @OptionGroup var selection: Selection
        @OptionGroup var actor: Actor
        @Flag(help: "Show what would be replayed; change nothing.") var dryRun = false

        func run() throws {
            try DLQCommand.settle(selection, actor: actor, action: "replay", dryRun: dryRun) { broker, letter in
                var message = letter.delivery.message
                message.headers = message.headers.filter { !$0.key.hasPrefix("x-coverpay-error-") && $0.key != "x-death" && $0.key != Headers.attempt }
                message.headers[Headers.replayedFrom] = .string(letter.deadLetterQueue)
                try broker.publish(message, exchange: letter.originalExchange, routingKey: letter.originalRoutingKey, channel: 1)
                let unroutable = try broker.waitForConfirms(channel: 1)
                guard unroutable.isEmpty else { throw CLIError("no queue is bound to '\(letter.originalRoutingKey)'; nothing replayed for \(letter.id)") }
            }
        }
    }

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete matching dead letters for good.")
        @OptionGroup var selection: Selection
        @OptionGroup var actor: Actor
        @Flag(help: "Show what would be purged; change nothing.") var dryRun = false

        func run() throws {
            try DLQCommand.settle(selection, actor: actor, action: "purge", dryRun: dryRun) { _, _ in }
        }
    }

    /// Applies `perform` to each matching dead letter, removes it from its DLQ, and audits it; with
    /// `dryRun` only the audit row (marked dry run) and the printout happen.
    static func settle(
        _ selection: Selection, actor: Actor, action: String, dryRun: Bool,
        perform: (AMQPConnection, DeadLetter) throws -> Void
    ) throws {
        let environment = try CLIEnvironment()
        let database = try environment.database()
        let broker = try environment.broker()
        try broker.enableConfirms(channel: 1)
        let browser = DeadLetterBrowser(connection: broker)
        var count = 0
        for queue in try selection.deadLetterQueues() {
            try browser.browse(queue) { letter in
                guard selection.filter.matches(letter) else { return .keep }
                if !dryRun { try perform(broker, letter) }
                try database.query(
                    """
                    INSERT INTO coverpay.dlq_audit (actor, action, queue, message_id, reason, dry_run, note)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """,
                    [actor.actor, action, letter.deadLetterQueue, letter.id, letter.reason, dryRun, actor.note]
                )
                count += 1
                print("\(dryRun ? "would \(action)" : action == "replay" ? "replayed" : "purged") \(letter.id) (\(letter.type), \(letter.reason))")
                return dryRun ? .keep : .remove
            }
        }
        print("\(count) message(s) \(dryRun ? "matched (dry run, nothing changed)" : action == "replay" ? "replayed" : "purged")")
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the audit trail of dead-letter actions.")
        @Flag(help: "Print a JSON array.") var json = false
        @Option(help: "How many of the latest actions.") var limit = 50

        func run() throws {
            let rows = try CLIEnvironment().database().query(
                """
                SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, actor, action, queue,
                       coalesce(message_id, '') AS message_id, coalesce(reason, '') AS reason, dry_run, coalesce(note, '') AS note
                FROM coverpay.dlq_audit ORDER BY id DESC LIMIT $1
                """, [limit]
            )
            let columns = ["at", "actor", "action", "queue", "message_id", "reason", "note"]
            if json {
                return Output.json(.array(try rows.map { row in
                    var object = Dictionary(uniqueKeysWithValues: columns.map { ($0, JSONValue.string(row[$0] ?? "")) })
                    object["dry_run"] = .bool(try row.decode("dry_run", as: Bool.self))
                    return .object(object)
                }))
            }
            Output.table(
                ["AT", "ACTOR", "ACTION", "QUEUE", "MESSAGE", "REASON", "DRY RUN", "NOTE"],
                rows.map { row in
                    [row["at"] ?? "", row["actor"] ?? "", row["action"] ?? "", row["queue"] ?? "", row["message_id"] ?? "",
                     row["reason"] ?? "", row["dry_run"] == "t" ? "yes" : "no", row["note"] ?? ""]
                }
            )
        }
    }
}
