import CoverPayCore

/// What was done to a valid event before it was published. Every kind must end either processed or
/// dead-lettered with a reason, without stopping a worker.
public enum FuzzMutation: String, CaseIterable, Sendable {
    case valid = "valid"
    case randomBytes = "random_bytes"
    case truncated = "truncated"
    case deeplyNested = "deeply_nested"
    case duplicateKeys = "duplicate_keys"
    case wrongType = "wrong_type"
    case hugeNumber = "huge_number"
    case negativeAmount = "negative_amount"
    case impossibleDate = "impossible_date"
    case unicodeTricks = "unicode_tricks"
    case oversizeBody = "oversize_body"
    case hostileStrings = "hostile_strings"
    case cardNumber = "card_number"
    case unknownType = "unknown_type"
    case brokenEnvelope = "broken_envelope"
}

/// One message of a fuzz run.
public struct FuzzMessage: Sendable {
    /// The AMQP message id, and the event id wherever the body still has one.
    public let id: String
    public let routingKey: String
    public let body: [UInt8]
    public let mutation: FuzzMutation
    /// A raw card number written into the body; it must never be stored or logged unmasked.
    public let plantedCardNumber: String?
}

/// Turns valid events into hostile messages: pure and seeded, so a run is replayed by its seed.
public struct MessageMutator {
    /// Luhn-valid test card numbers of the major brands (never issued to a cardholder).
    static let testCardNumbers = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4000056655665556"]
    static let hostileStrings = [
        "'; DROP TABLE coverpay.inbox; --", "\u{202E}fdp.exe", "%s%s%n%x", "${jndi:ldap://127.0.0.1/x}",
        "<script>alert(1)</script>", "\u{FEFF}\u{200D}\u{0301}", "../../../../etc/passwd", "NaN", "-0",
    ]
    /// Larger than the runtime's body limit (`EventValidator.maximumBodyBytes`).
    static let oversizeBytes = EventValidator.maximumBodyBytes + 4096

    let runID: String
    var generator: SeededGenerator

    public init(runID: String, seed: UInt64) {
        self.runID = runID
        generator = SeededGenerator(seed: seed)
    }

    /// `count` messages, the mutations in turn, each aimed at a random routing key of `routingKeys`
    /// and built from the corpus event of that type (or a bare envelope of the type).
    /// Messages `indices` of the run; consecutive ranges give the same messages as one call.
    public mutating func messages(_ indices: Range<Int>, routingKeys: [String]) -> [FuzzMessage] {
        let corpus = FuzzCorpus(runID: runID)
        let kinds = FuzzMutation.allCases
        return indices.map { index in
            let routingKey = routingKeys.randomElement(using: &generator)!
            let id = "fuzz-\(runID)-\(index)"
            let base = corpus.event(type: routingKey, id: id, index: index)
            return mutate(base, kind: kinds[index % kinds.count], id: id, routingKey: routingKey)
        }
    }

    mutating func mutate(_ event: JSONValue, kind: FuzzMutation, id: String, routingKey: String) -> FuzzMessage {
        var planted: String?
        let body: [UInt8]
        switch kind {
        case .valid:
            body = bytes(event)
        case .randomBytes:
            body = (0..<Int.random(in: 1...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        case .truncated:
            let full = bytes(event)
            body = Array(full.prefix(Int.random(in: 0..<full.count, using: &generator)))
        case .deeplyNested:
            let depth = Int.random(in: 600...20_000, using: &generator)
            body = bytes(event.replacing(path: ["data", "nested"], with: .null)).spliced(
                replacing: Array("null".utf8), with: Array(String(repeating: "[", count: depth).utf8)
            )
        case .duplicateKeys:
            // The first of duplicate keys wins, so the wrong-typed copy is the one validated.
            body = bytes(event).spliced(replacing: Array("\"data\":{".utf8), with: Array("\"data\":{\"policy_id\":12345,".utf8))
        case .wrongType:
            let replacement: JSONValue = [.number("7"), .bool(true), .array([]), .object([:]), .null].randomElement(using: &generator)!
            body = bytes(event.replacing(path: randomDataPath(in: event), with: replacement))
        case .hugeNumber:
            let number = ["1e400", "-1e400", "99999999999999999999999999999999", "123456789012345678901234567890.5"].randomElement(using: &generator)!
            body = bytes(event.replacing(path: randomDataPath(in: event), with: .number(number)))
        case .negativeAmount:
            body = bytes(event.replacing(path: ["data", "amount"], with: .string("-\(Int.random(in: 1...99_999, using: &generator)).00")))
        case .impossibleDate:
            let date = ["2027-02-30", "2027-13-01", "0000-00-00", "2027-1-1", "2027-02-29T25:00:00Z"].randomElement(using: &generator)!
            let field = ["effective_date", "schedule_date", "received_on", "due_date"].randomElement(using: &generator)!
            body = bytes(event.replacing(path: ["data", field], with: .string(date)))
        case .unicodeTricks:
            let text = ["\u{202E}CA", "C\u{0301}A", "\u{1F4B3}", "\u{FEFF}POLICY", "\u{0000}", "e\u{0301}"].randomElement(using: &generator)!
            body = bytes(event.replacing(path: randomDataPath(in: event), with: .string(text)))
        case .oversizeBody:
            body = bytes(event.replacing(path: ["data", "padding"], with: .string(String(repeating: "x", count: Self.oversizeBytes))))
        case .hostileStrings:
            body = bytes(event.replacing(path: randomDataPath(in: event), with: .string(Self.hostileStrings.randomElement(using: &generator)!)))
        case .cardNumber:
            let number = formatted(Self.testCardNumbers.randomElement(using: &generator)!)
            planted = number
            let places: [[String]] = [["subject"], ["data", "note"], ["data", "items"], ["data", "payment_method", "token"], ["data", "reference"]]
            let place = places.randomElement(using: &generator)!
            let value: JSONValue = place.last == "items" ? .array([.object(["name": .string("card \(number)")])]) : .string(number)
            body = bytes(event.replacing(path: place, with: value))
        case .unknownType:
            body = bytes(event.replacing(path: ["type"], with: .string("coverpay.fuzz.\(["unknown", "surprise"].randomElement(using: &generator)!)")))
        case .brokenEnvelope:
            let attribute = ["specversion", "source", "type", "data"].randomElement(using: &generator)!
            body = bytes(event.replacing(path: [attribute], with: attribute == "data" ? .string("not an object") : .null))
        }
        return FuzzMessage(id: id, routingKey: routingKey, body: body, mutation: kind, plantedCardNumber: planted)
    }

    /// A card number as people write it: contiguous, or in groups separated by spaces or dashes.
    private mutating func formatted(_ digits: String) -> String {
        let separator = ["", " ", "-"].randomElement(using: &generator)!
        guard !separator.isEmpty else { return digits }
        let groups = digits.count == 15 ? [4, 6, 5] : [4, 4, 4, 4]
        var rest = Substring(digits)
        return groups.map { length in defer { rest = rest.dropFirst(length) }; return String(rest.prefix(length)) }.joined(separator: separator)
    }

    /// A path to one member of `data`, or into its first nested object.
    private mutating func randomDataPath(in event: JSONValue) -> [String] {
        guard let data = event["data"]?.objectValue, let key = data.keys.sorted().randomElement(using: &generator) else { return ["data", "x"] }
        if let nested = data[key]?.objectValue, let inner = nested.keys.sorted().randomElement(using: &generator), Bool.random(using: &generator) {
            return ["data", key, inner]
        }
        return ["data", key]
    }

    private func bytes(_ value: JSONValue) -> [UInt8] { Array(value.serialized().utf8) }
}

extension JSONValue {
    /// This value with the member at `path` set (objects along the path are created as needed).
    func replacing(path: [String], with replacement: JSONValue) -> JSONValue {
        guard let key = path.first else { return replacement }
        var members = objectValue ?? [:]
        members[key] = (members[key] ?? .object([:])).replacing(path: Array(path.dropFirst()), with: replacement)
        return .object(members)
    }
}

extension Array where Element == UInt8 {
    /// The bytes with the first occurrence of `pattern` replaced (unchanged when absent).
    func spliced(replacing pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard pattern.count <= count else { return self }
        for start in 0...(count - pattern.count) where self[start..<(start + pattern.count)].elementsEqual(pattern) {
            return Array(self[..<start]) + replacement + self[(start + pattern.count)...]
        }
        return self
    }
}
