/// Decides whether an inbound message body may reach a handler, and if not, why: the checks every
/// worker makes before touching state. Pure, so the dead-letter reasons are unit-tested.
public struct EventValidator: Sendable {
    /// Dead-letter reasons, stable strings that on-call tooling groups by.
    public enum Reason: String, Sendable, CaseIterable {
        case invalidJSON = "invalid_json"
        case invalidEnvelope = "invalid_envelope"
        case panRejected = "pan_rejected"
        case unknownType = "unknown_type"
        case schemaViolation = "schema_violation"
        case oversizeBody = "oversize_body"
        case policyMismatch = "policy_mismatch"
    }

    /// The largest body a worker parses. CoverPay's events are a few kilobytes; a bigger body is
    /// refused before parsing, so one hostile message cannot exhaust a worker's memory or time.
    public static let maximumBodyBytes = 1 << 20

    public struct Rejection: Error, Sendable, Equatable {
        public let reason: Reason
        public let detail: String
        /// The body to keep in the dead-letter queue: card numbers masked, otherwise untouched.
        public let body: [UInt8]
    }

    /// `data` schemas by event type; a type with no schema is unknown to this worker.
    public let schemas: [String: JSONSchema]

    public init(schemas: [String: JSONSchema]) {
        self.schemas = schemas
    }

    public func validate(_ body: [UInt8]) -> Result<CloudEvent, Rejection> {
        guard body.count <= Self.maximumBodyBytes else {
            let masked = Array(PANScanner.masked(String(decoding: body, as: UTF8.self)).utf8)
            return .failure(Rejection(
                reason: .oversizeBody, detail: "body of \(body.count) bytes exceeds the \(Self.maximumBodyBytes)-byte limit", body: masked
            ))
        }
        let text = String(decoding: body, as: UTF8.self)
        let json: JSONValue
        do {
            json = try JSONValue.parse(body)
        } catch {
            let masked = Array(PANScanner.masked(text).utf8)
            return .failure(Rejection(reason: .invalidJSON, detail: "body is not JSON: \(error.description)", body: masked))
        }
        if let path = Self.cardNumberPath(in: json, at: "$") {
            return .failure(Rejection(
                reason: .panRejected, detail: "a card number was found at \(path); send a processor token instead",
                body: Array(PANScanner.masked(text).utf8)
            ))
        }
        if let path = Self.firstPath(in: json, at: "$", keysToo: true, where: { $0.unicodeScalars.contains("\0") }) {
            // PostgreSQL's text and jsonb cannot hold it: the event would fail at the database on every retry.
            return .failure(Rejection(reason: .schemaViolation, detail: "\(path) holds a NUL character (U+0000), which no field may contain", body: body))
        }
        let event: CloudEvent
        do {
            event = try CloudEvent(json: json)
        } catch {
            return .failure(Rejection(reason: .invalidEnvelope, detail: error.description, body: body))
        }
        // A worker keys its state by one of the two and may copy the other into what it publishes:
        // an event naming two policies is refused at the door, whichever worker consumes it.
        if let subject = event.subject, let policyID = event.data["policy_id"]?.stringValue, subject != policyID {
            return .failure(Rejection(reason: .policyMismatch, detail: "data.policy_id '\(policyID)' differs from the subject '\(subject)'", body: body))
        }
        guard let schema = schemas[event.type] else {
            return .failure(Rejection(reason: .unknownType, detail: "no handler for event type '\(event.type)'", body: body))
        }
        let violations = schema.validate(event.data, at: "data")
        guard violations.isEmpty else {
            let detail = violations.prefix(5).map(\.description).joined(separator: "; ")
            return .failure(Rejection(reason: .schemaViolation, detail: detail, body: body))
        }
        return .success(event)
    }

    /// The path of the first string holding a card number. An ACH `account_number` is exempt: bank
    /// account numbers run to 17 digits and some pass the Luhn check by chance. So is a well-formed
    /// NACHA trace number (`NACHATraceNumber`) in `trace_number` or as the `reference` of an object
    /// whose `rail` is `ach`; anything else in those fields is scanned like every other string.
    static func cardNumberPath(in value: JSONValue, at path: String) -> String? {
        firstPath(in: value, at: path, where: PANScanner.containsPAN) { members, key, member in
            let isBankAccount = members["type"]?.stringValue == "ach"
            let isACH = members["rail"]?.stringValue == "ach"
            let isTrace = (key == "trace_number" || (isACH && key == "reference")) && member.stringValue.map(NACHATraceNumber.isWellFormed) == true
            return (isBankAccount && key == "account_number") || isTrace
        }
    }

    /// The path of the first string or number text (or member name, with `keysToo`) for which
    /// `matches` holds, visiting members in key order and skipping those `exempt` names (given the
    /// members of their object).
    static func firstPath(
        in value: JSONValue, at path: String, keysToo: Bool = false, where matches: (String) -> Bool,
        exempt: ([String: JSONValue], String, JSONValue) -> Bool = { _, _, _ in false }
    ) -> String? {
        switch value {
        case .string(let text), .number(let text):
            return matches(text) ? path : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = firstPath(in: element, at: "\(path)[\(index)]", keysToo: keysToo, where: matches, exempt: exempt) { return found }
            }
            return nil
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) where !exempt(members, key, member) {
                if keysToo, matches(key) { return "\(path).\(key)" }
                if let found = firstPath(in: member, at: "\(path).\(key)", keysToo: keysToo, where: matches, exempt: exempt) { return found }
            }
            return nil
        case .null, .bool:
            return nil
        }
    }
}
