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
        static let configuration = CommandConfiguration(abstract: "Declare every exchange and queue (idempotent).")

        func run() throws {
            let broker = try CLIEnvironment().broker()
            try Topology.declare(Catalog.queues, on: broker, channel: 1)
            print("topology applied: \(Catalog.queues.count) worker queue(s) with retry and dead-letter queues")
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
