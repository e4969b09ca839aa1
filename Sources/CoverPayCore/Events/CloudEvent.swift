import Foundation

/// A CloudEvents 1.0 event in structured JSON mode, the envelope of every CoverPay message.
public struct CloudEvent: Sendable, Equatable, Codable {
    public static let contentType = "application/cloudevents+json"

    public var specversion: String
    public var id: String
    public var source: String
    public var type: String
    public var subject: String?
    public var time: String?
    public var datacontenttype: String?
    public var data: JSONValue

    public init(
        id: String, source: String, type: String, subject: String?, time: String?,
        data: JSONValue, datacontenttype: String? = "application/json"
    ) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.datacontenttype = datacontenttype
        self.data = data
    }

    /// The envelope checks of the CloudEvents spec plus CoverPay's own (`coverpay.` types, an object `data`).
    public init(json: JSONValue) throws(CloudEventError) {
        guard let members = json.objectValue else { throw .invalidEnvelope("the event is not a JSON object") }
        func required(_ name: String) throws(CloudEventError) -> String {
            guard let value = members[name]?.stringValue, !value.isEmpty else {
                throw .invalidEnvelope("missing or empty attribute '\(name)'")
            }
            return value
        }
        let version = try required("specversion")
        guard version == "1.0" else { throw .invalidEnvelope("specversion '\(version)' is not 1.0") }
        self.specversion = version
        self.id = try required("id")
        self.source = try required("source")
        self.type = try required("type")
        guard type.hasPrefix("coverpay.") else { throw .invalidEnvelope("type '\(type)' is not a coverpay.<object>.<action> type") }
        self.subject = members["subject"]?.stringValue
        self.time = members["time"]?.stringValue
        self.datacontenttype = members["datacontenttype"]?.stringValue
        guard let data = members["data"], data.objectValue != nil else { throw .invalidEnvelope("missing object attribute 'data'") }
        self.data = data
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "specversion": .string(specversion), "id": .string(id), "source": .string(source),
            "type": .string(type), "data": data,
        ]
        if let subject { members["subject"] = .string(subject) }
        if let time { members["time"] = .string(time) }
        if let datacontenttype { members["datacontenttype"] = .string(datacontenttype) }
        return .object(members)
    }

    /// The policy the event is about: `subject` by contract, `data.policy_id` as a fallback.
    public var policyID: String? { subject ?? data["policy_id"]?.stringValue }
}

public enum CloudEventError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidEnvelope(String)

    public var description: String {
        switch self {
        case .invalidEnvelope(let detail): "invalid CloudEvents envelope: \(detail)"
        }
    }
}
