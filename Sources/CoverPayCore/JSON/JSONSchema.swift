import Foundation

/// A JSON Schema (the draft 2020-12 keywords CoverPay's event schemas use) that validates a document
/// and names every violation by path. Supported: type, enum, const, properties, required,
/// additionalProperties, items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum,
/// format (date, date-time), allOf, anyOf, oneOf, and local `$ref`s into `$defs`. Unknown keywords are
/// ignored, as the spec says; `Schemas/README.md` lists the subset for schema authors.
public struct JSONSchema: Sendable {
    public let document: JSONValue
    /// Every `pattern` of the document, compiled once: compiling per check dominated intake CPU.
    private let patterns: CompiledPatterns

    public init(_ document: JSONValue) {
        self.document = document
        self.patterns = CompiledPatterns(document)
    }

    public func validate(_ value: JSONValue, at path: String = "$") -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        check(value, against: document, at: path, into: &violations)
        return violations
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, into violations: inout [SchemaViolation]) {
        guard let rules = schema.objectValue else { return }
        func fail(_ message: String) { violations.append(SchemaViolation(path: path, message: message)) }

        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else { return fail("unresolvable $ref '\(reference)'") }
            check(value, against: target, at: path, into: &violations)
        }
        if let expected = rules["type"], !Self.matches(value, type: expected) {
            return fail("expected \(Self.describe(expected)), found \(value.typeName)")
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            fail("must be one of \(allowed.map { $0.serialized() }.joined(separator: ", ")), found \(value.serialized())")
        }
        if let constant = rules["const"], constant != value {
            fail("must be \(constant.serialized()), found \(value.serialized())")
        }
        switch value {
        case .object(let members): checkObject(members, rules, at: path, into: &violations)
        case .array(let elements): checkArray(elements, rules, at: path, into: &violations)
        case .string(let text): checkString(text, rules, fail: fail)
        case .number(let text): checkNumber(text, rules, fail: fail)
        case .null, .bool: break
        }
        if let all = rules["allOf"]?.arrayValue {
            for subschema in all { check(value, against: subschema, at: path, into: &violations) }
        }
        if let any = rules["anyOf"]?.arrayValue, !any.contains(where: { passes(value, $0, path) }) {
            fail("matches none of the allowed shapes")
        }
        if let one = rules["oneOf"]?.arrayValue {
            let matching = one.filter { passes(value, $0, path) }.count
            if matching != 1 { fail("must match exactly one allowed shape, matches \(matching)") }
        }
    }

    private func checkObject(_ members: [String: JSONValue], _ rules: [String: JSONValue], at path: String, into violations: inout [SchemaViolation]) {
        let properties = rules["properties"]?.objectValue ?? [:]
        for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            violations.append(SchemaViolation(path: path, message: "missing required property '\(name)'"))
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[name] {
                check(member, against: propertySchema, at: "\(path).\(name)", into: &violations)
            } else if let additional = rules["additionalProperties"] {
                if additional == .bool(false) {
                    violations.append(SchemaViolation(path: path, message: "unexpected property '\(name)'"))
                } else {
                    check(member, against: additional, at: "\(path).\(name)", into: &violations)
                }
            }
        }
    }

    private func checkArray(_ elements: [JSONValue], _ rules: [String: JSONValue], at path: String, into violations: inout [SchemaViolation]) {
        if let minimum = rules["minItems"]?.intValue, elements.count < minimum {
            violations.append(SchemaViolation(path: path, message: "needs at least \(minimum) item(s), has \(elements.count)"))
        }
        if let maximum = rules["maxItems"]?.intValue, elements.count > maximum {
            violations.append(SchemaViolation(path: path, message: "allows at most \(maximum) item(s), has \(elements.count)"))
        }
        if let itemSchema = rules["items"] {
            for (index, element) in elements.enumerated() {
                check(element, against: itemSchema, at: "\(path)[\(index)]", into: &violations)
            }
        }
    }

    private func checkString(_ text: String, _ rules: [String: JSONValue], fail: (String) -> Void) {
        if let minimum = rules["minLength"]?.intValue, text.count < minimum { fail("must be at least \(minimum) character(s) long") }
        if let maximum = rules["maxLength"]?.intValue, text.count > maximum { fail("must be at most \(maximum) character(s) long") }
        if let pattern = rules["pattern"]?.stringValue {
            if let regex = patterns.regex(for: pattern) {
                if (try? regex.firstMatch(in: text)) == nil { fail("'\(text)' does not match the pattern \(pattern)") }
            } else {
                fail("schema pattern \(pattern) is not a valid regular expression")
            }
        }
        switch rules["format"]?.stringValue {
        case "date" where !Self.isDate(text): fail("'\(text)' is not a YYYY-MM-DD date")
        case "date-time" where !Self.isDateTime(text): fail("'\(text)' is not an RFC 3339 date-time")
        default: break
        }
    }

    private func checkNumber(_ text: String, _ rules: [String: JSONValue], fail: (String) -> Void) {
        guard let number = Decimal(string: text) else { return fail("'\(text)' is not a number") }
        if case .number(let bound)? = rules["minimum"], let minimum = Decimal(string: bound), number < minimum {
            fail("must be at least \(bound), found \(text)")
        }
        if case .number(let bound)? = rules["maximum"], let maximum = Decimal(string: bound), number > maximum {
            fail("must be at most \(bound), found \(text)")
        }
    }

    private func passes(_ value: JSONValue, _ schema: JSONValue, _ path: String) -> Bool {
        var scratch: [SchemaViolation] = []
        check(value, against: schema, at: path, into: &scratch)
        return scratch.isEmpty
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for component in reference.dropFirst(2).split(separator: "/") { node = node?[String(component)] }
        return node
    }

    private static func matches(_ value: JSONValue, type: JSONValue) -> Bool {
        if let names = type.arrayValue { return names.contains { matches(value, type: $0) } }
        switch type.stringValue {
        case "integer": return value.typeName == "integer"
        case "number": if case .number = value { return true } else { return false }
        case let name?: return value.typeName == name
        case nil: return true
        }
    }

    private static func describe(_ type: JSONValue) -> String {
        type.arrayValue.map { $0.compactMap(\.stringValue).joined(separator: " or ") } ?? type.stringValue ?? "?"
    }

    /// A real calendar date (parsed, not pattern-matched: Regex matching was a hot spot on intake).
    private static func isDate(_ text: String) -> Bool {
        (try? CalendarDate(iso: text)) != nil
    }

    /// `YYYY-MM-DD`, `T`, `hh:mm:ss`, optional fraction, then `Z` or `±hh:mm`.
    private static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, isDate(String(decoding: bytes[0..<10], as: UTF8.self)),
              [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
              matches(bytes[11..<19], "dd:dd:dd")
        else { return false }
        var rest = bytes[19...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix { (48...57).contains($0) }
            guard !digits.isEmpty else { return false }
            rest = rest.dropFirst(digits.count)
        }
        if rest.count == 1 { return rest.first == UInt8(ascii: "Z") || rest.first == UInt8(ascii: "z") }
        return rest.count == 6 && (rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-")) && matches(rest.dropFirst(), "dd:dd")
    }

    /// `shape` spells the bytes: `d` a digit, anything else itself.
    private static func matches(_ bytes: ArraySlice<UInt8>, _ shape: String) -> Bool {
        bytes.count == shape.utf8.count && zip(bytes, shape.utf8).allSatisfy { byte, expected in
            expected == UInt8(ascii: "d") ? (48...57).contains(byte) : byte == expected
        }
    }
}

/// The compiled `pattern`s of one schema document. Immutable after init, hence safe to share.
private final class CompiledPatterns: @unchecked Sendable {
    private var compiled: [String: Regex<AnyRegexOutput>] = [:]

    init(_ document: JSONValue) {
        collect(document)
    }

    func regex(for pattern: String) -> Regex<AnyRegexOutput>? { compiled[pattern] }

    private func collect(_ node: JSONValue) {
        switch node {
        case .object(let members):
            if let pattern = members["pattern"]?.stringValue, compiled[pattern] == nil {
                compiled[pattern] = try? Regex(pattern)
            }
            members.values.forEach(collect)
        case .array(let elements):
            elements.forEach(collect)
        case .null, .bool, .number, .string:
            break
        }
    }
}

/// One way a document breaks its schema, e.g. `$.data.items[0].premium: '1.234' does not match …`.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String

    public var description: String { "\(path): \(message)" }
}
