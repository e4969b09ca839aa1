import ArgumentParser
import Fleet

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

        func run() {
            Output.json(Topology.definitions(Catalog.queues, virtualHost: vhost))
        }
    }
}
