import ArgumentParser
import CoverPayCore
import Fleet
import Foundation

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Declare or export the RabbitMQ exchanges, queues, retry and dead-letter queues.",
        subcommands: [Apply.self, Export.self]
    )

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare every exchange and queue (idempotent).",
            discussion: """
                A deployment set up before coverpay.events had its alternate exchange (coverpay.unroutable) keeps its \
                exchange: the broker refuses to redeclare it with new arguments. Once every worker runs this version, \
                run `coverpay topology apply --recreate-events-exchange` (with upstream publishers paused) to replace it.
                """
        )

        @Flag(help: "Delete coverpay.events and declare it again with its alternate exchange, rebinding every queue.")
        var recreateEventsExchange = false

        func run() throws {
            let broker = try CLIEnvironment().broker()
            if recreateEventsExchange {
                try Topology.recreateEventsExchange(Catalog.queues, on: broker, channel: 1)
                print("coverpay.events recreated with its alternate exchange \(Topology.unroutableExchange)")
            } else if try Topology.declare(Catalog.queues, on: broker, channel: 1) == .withoutAlternateExchange {
                print("""
                    warning: coverpay.events was declared without its alternate exchange by an older version, so unroutable \
                    events are dropped; once every worker runs this version: coverpay topology apply --recreate-events-exchange
                    """)
            }
            print("topology applied: \(Catalog.queues.count) worker queue(s) with retry and dead-letter queues, and \(Topology.unroutableQueue)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the topology as RabbitMQ definitions JSON (Deploy/rabbitmq/definitions.json).")

        @Option(help: "The virtual host to put in the definitions.")
        var vhost = "coverpay"

        @Option(help: "A definitions file whose users, permissions and other sections to keep (e.g. Deploy/rabbitmq/definitions.json).")
        var base: String?

        func run() throws {
            var definitions = Topology.definitions(Catalog.queues, virtualHost: vhost).objectValue ?? [:]
            if let base {
                guard let data = FileManager.default.contents(atPath: base),
                      let existing = try? JSONValue.parse(Array(data)).objectValue
                else { throw CLIError("cannot read definitions from \(base)") }
                definitions = existing.merging(definitions) { $1 }
            }
            Output.json(.object(definitions))
        }
    }
}
