import AMQP
import ArgumentParser
import CoverPayCore
import Fleet
import Postgres

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Queue depths, consumers, dead letters by reason, outbox backlog and delinquency counts."
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

        if json {
            return Output.json(.object([
                "clock": .string(clock),
                "queues": .array(queues.map { .object(["name": .string($0.name), "messages": .number("\($0.messages)"), "consumers": .number("\($0.consumers)")]) }),
                "dlq": .object(deadLetters.mapValues { .number("\($0)") }),
                "outbox_backlog": .number("\(backlog)"),
                "delinquency": .object(delinquency.mapValues { .number("\($0)") }),
            ]))
        }
        print("business date: \(clock)")
        print("outbox backlog: \(backlog)")
        print("")
        Output.table(["QUEUE", "MESSAGES", "CONSUMERS"], queues.map { [$0.name, "\($0.messages)", "\($0.consumers)"] })
        print("")
        print(deadLetters.isEmpty ? "dead letters: none" : "dead letters: " + deadLetters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        print(delinquency.isEmpty ? "delinquency: no policies tracked" : "delinquency: " + delinquency.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
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
