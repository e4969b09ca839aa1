import AccountingSyncWorker
import AMQP
import ArgumentParser
import CoverPayCore
import Fleet
import Postgres

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Queue depths, consumers, dead letters by reason, outbox backlog, delinquency counts, the trust check and GL sync lag."
    )
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let environment = try CLIEnvironment()
        let database = try environment.database()
        let broker = try environment.broker()
        let clock = try BusinessClock.today(database)
        let queues = try (Catalog.queues.flatMap { [$0.name, $0.deadLetterQueue] } + [Topology.unroutableQueue]).map { try broker.inspectQueue($0, channel: 1) }
        var deadLetters: [String: Int] = [:]
        let browser = DeadLetterBrowser(connection: broker)
        for queue in Catalog.deadLetterQueues {
            try browser.browse(queue) { letter in
                deadLetters[letter.reason, default: 0] += 1
                return .keep
            }
        }
        let backlog = try database.query("SELECT count(*) AS backlog FROM coverpay.outbox")[0].decode("backlog", as: Int.self)
        let delinquency = try Self.delinquencyCounts(database)
        let trust = try Journal.trustCheck(database)
        let glSync = try GLSyncStatus.load(database)

        if json {
            return Output.json(.object([
                "clock": .string(clock),
                "queues": .array(queues.map { .object(["name": .string($0.name), "messages": .number("\($0.messages)"), "consumers": .number("\($0.consumers)")]) }),
                "dlq": .object(deadLetters.mapValues { .number("\($0)") }),
                "outbox_backlog": .number("\(backlog)"),
                "delinquency": .object(delinquency.mapValues { .number("\($0)") }),
                "trust": .object([
                    "holds": .bool(trust.holds), "trust_cash": .string(trust.trustCash.description), "in_transit": .string(trust.inTransit.description),
                    "fiduciary_liabilities": .string(trust.fiduciaryLiabilities.description), "shortfall": .string(trust.shortfall.description),
                ]),
                "gl_sync": .object([
                    "pending": .number("\(glSync.pending)"), "oldest_pending_seconds": glSync.oldestPendingSeconds.map { .number("\($0)") } ?? .null,
                    "last_sync_at": glSync.lastSyncAt.map(JSONValue.string) ?? .null, "last_error_code": glSync.lastErrorCode.map(JSONValue.string) ?? .null,
                ]),
            ]))
        }
        print("business date: \(clock)")
        print("outbox backlog: \(backlog)")
        print("")
        Output.table(["QUEUE", "MESSAGES", "CONSUMERS"], queues.map { [$0.name, "\($0.messages)", "\($0.consumers)"] })
        print("")
        print(deadLetters.isEmpty ? "dead letters: none" : "dead letters: " + deadLetters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        print(delinquency.isEmpty ? "delinquency: no policies tracked" : "delinquency: " + delinquency.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        let covered = "premium trust cash \(trust.trustCash) + in transit \(trust.inTransit) = \(trust.covered)"
        print(trust.holds ? "trust check: holds (\(covered) >= fiduciary liabilities \(trust.fiduciaryLiabilities))"
            : "trust check: BREACH, short \(trust.shortfall) (\(covered) < fiduciary liabilities \(trust.fiduciaryLiabilities))")
        let oldest = glSync.oldestPendingSeconds.map { ", oldest posted \($0) s ago" } ?? ""
        let error = glSync.lastErrorCode.map { ", last error \($0)" } ?? ""
        print("GL sync: \(glSync.pending) entries pending\(oldest), last sync \(glSync.lastSyncAt ?? "never")\(error)")
    }

    /// Policies per delinquency stage (every stage, zero included), once the retrier's table exists.
    static func delinquencyCounts(_ database: PostgresConnection) throws -> [String: Int] {
        let present = try database.query("SELECT to_regclass('retrier.policies') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
        guard present else { return [:] }
        var counts = Dictionary(uniqueKeysWithValues: DelinquencyStage.allCases.map { ($0.rawValue, 0) })
        for row in try database.query("SELECT stage, count(*) AS policies FROM retrier.policies GROUP BY stage") {
            counts[try row.decode("stage", as: String.self)] = try row.decode("policies", as: Int.self)
        }
        return counts
    }
}
