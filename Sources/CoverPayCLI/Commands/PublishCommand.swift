import AMQP
import ArgumentParser
import CoverPayCore
import Fleet
import Foundation

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish CloudEvents to coverpay.events as an upstream system would.",
        discussion: "FILE holds one event, a JSON array of events, or one event per line; '-' reads stdin. Each is published persistent, with publisher confirms, routing key = type, message id = id."
    )

    @Argument(help: "A file of CloudEvents, or - for stdin.") var file: String
    @Option(help: "Publish the bytes as they are, as one message with this routing key (for testing bad input).")
    var rawRoutingKey: String?

    func run() throws {
        let bytes: Data
        if file == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            bytes = contents
        }
        let broker = try CLIEnvironment().broker()
        try broker.enableConfirms(channel: 1)
        if let rawRoutingKey {
            try broker.publish(
                AMQPMessage(body: Array(bytes), messageID: UUID().uuidString.lowercased(), contentType: CloudEvent.contentType),
                exchange: Topology.eventsExchange, routingKey: rawRoutingKey, channel: 1
            )
            try broker.waitForConfirms(channel: 1)
            return print("published 1 raw message to \(rawRoutingKey)")
        }
        let events = try Self.parse(bytes)
        let unroutable = try EventPublisher.publish(events, on: broker)
        print("published \(events.count) event(s)" + (unroutable.isEmpty ? "" : "; \(unroutable.count) matched no queue: \(unroutable.joined(separator: ", "))"))
    }

    /// One event, an array of events, or JSON lines.
    static func parse(_ bytes: Data) throws -> [JSONValue] {
        if let whole = try? JSONValue.parse(Array(bytes)) {
            return whole.arrayValue ?? [whole]
        }
        return try String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated().compactMap { number, line in
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            do { return try JSONValue.parse(Array(line.utf8)) } catch { throw CLIError("line \(number + 1) is not JSON: \(error)") }
        }
    }
}
