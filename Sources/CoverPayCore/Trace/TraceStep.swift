/// One thing that happened to a policy, from any worker: a published event, a schedule entry
/// revision, a journal entry, a dead letter or an operator's action on one (`coverpay trace`,
/// DESIGN §12).
public struct TraceStep: Sendable, Equatable {
    /// RFC 3339 UTC with microseconds, so that steps from different tables order as text.
    public let at: String
    public let type: String
    public let worker: String
    public let entryNumber: Int?
    public let summary: String
    public let eventID: String?

    public init(at: String, type: String, worker: String, entryNumber: Int?, summary: String, eventID: String?) {
        self.at = at
        self.type = type
        self.worker = worker
        self.entryNumber = entryNumber
        self.summary = summary
        self.eventID = eventID
    }

    public var json: JSONValue {
        .object([
            "at": .string(at), "type": .string(type), "worker": .string(worker),
            "entry_number": entryNumber.map { .number("\($0)") } ?? .null,
            "summary": .string(summary), "event_id": eventID.map(JSONValue.string) ?? .null,
        ])
    }
}

/// A policy's steps from every source, in the order they happened.
public struct PolicyTrace: Sendable, Equatable {
    public let policyID: String
    public let steps: [TraceStep]

    /// Event types about the whole policy that a missed installment causes: kept when the trace is
    /// narrowed to one entry, because they are that installment's consequences.
    public static let policyWideTypes: Set<String> = [
        "coverpay.delinquency.changed", "coverpay.delinquency.cured", "coverpay.notice.requested",
        "coverpay.policy.cancellation_requested",
    ]

    /// Merges the sources, each already in its own order, by time; a tie keeps the sources' order.
    public init(policyID: String, sources: [[TraceStep]], entry: Int? = nil) {
        self.policyID = policyID
        let merged = sources.joined().enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        guard let entry else {
            steps = merged
            return
        }
        steps = merged.filter { step in
            step.entryNumber == entry || (step.entryNumber == nil && Self.policyWideTypes.contains(step.type))
        }
    }

    public var json: JSONValue {
        .object(["policy_id": .string(policyID), "steps": .array(steps.map(\.json))])
    }
}
