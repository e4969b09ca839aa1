import AMQP
import CoverPayCore
import Fleet

/// Publishes CloudEvents to `coverpay.events` as an upstream system does: persistent, routing key =
/// type, message id = id, confirms awaited for the whole batch.
enum EventPublisher {
    /// Returns the ids no queue was bound for.
    @discardableResult
    static func publish(_ events: [JSONValue], on broker: AMQPConnection) throws -> [String] {
        for event in events {
            guard let id = event["id"]?.stringValue, let type = event["type"]?.stringValue else {
                throw CLIError("every event needs string 'id' and 'type' attributes; got \(event.serialized().prefix(120))")
            }
            try broker.publish(
                AMQPMessage(body: Array(event.serialized().utf8), messageID: id, type: type, contentType: CloudEvent.contentType),
                exchange: Topology.eventsExchange, routingKey: type, channel: 1
            )
        }
        return try broker.waitForConfirms(channel: 1)
    }
}
