import ArgumentParser
import CoverPayCore
import Fleet
import Foundation

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Read the timeline of events the fleet published.", subcommands: [Tail.self]
    )

    struct Tail: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the latest events and follow new ones live.")
        @Option(help: "Only events about this policy.") var policy: String?
        @Option(help: "How many past events to show first.") var last = 20
        @Flag(help: "Print one CloudEvent per line.") var json = false
        @Flag(help: "Exit after the past events instead of following.") var noFollow = false

        func run() throws {
            let database = try CLIEnvironment().database()
            let start = try database.query(
                "SELECT coalesce(max(seq), 0) - $1 AS start FROM coverpay.payment_events", [last]
            )[0].decode("start", as: Int64.self)
            var cursor = max(start, 0)
            while true {
                let rows = try database.query(
                    """
                    SELECT seq, type, coalesce(policy_id, '-') AS policy_id, body::text AS body,
                           to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
                    FROM coverpay.payment_events WHERE seq > $1 AND ($2::text IS NULL OR policy_id = $2) ORDER BY seq LIMIT 500
                    """, [cursor, policy]
                )
                for row in rows {
                    cursor = try row.decode("seq", as: Int64.self)
                    if json {
                        print(row["body"] ?? "{}")
                    } else {
                        let body = try? JSONValue.parse(Array((row["body"] ?? "{}").utf8))
                        print("\(row["at"] ?? "")  \((row["type"] ?? "").padding(toLength: 34, withPad: " ", startingAt: 0))  \(row["policy_id"] ?? "-")  \(EventDigest.scalars(body?["data"]))")
                    }
                }
                FileHandle.standardOutput.synchronizeFile()
                if noFollow { return }
                if rows.isEmpty { Thread.sleep(forTimeInterval: 0.5) }
            }
        }
    }
}
