import CoverPayCore
import Testing

@Suite("JSON values")
struct JSONValueTests {
    static let tricky = JSONValue.object([
        "quote": .string("say \"hi\""), "backslash": .string("C:\\path"), "lines": .string("a\nb\r\tc"),
        "control": .string("bell\u{07}"), "unicode": .string("café ✓ 𝄞"), "slash": .string("a/b"),
        "numbers": .array([.number("0"), .number("-12"), .number("1234.5")]),
        "nested": .object(["empty": .object([:]), "list": .array([]), "null": .null, "flags": .array([.bool(true), .bool(false)])]),
    ])

    @Test("serialised text parses back to the same value")
    func roundTrip() throws {
        #expect(try JSONValue.parse(Array(Self.tricky.serialized().utf8)) == Self.tricky)
    }

    @Test("keys are sorted and output is compact, so equal values serialise identically")
    func canonical() {
        let value = JSONValue.object(["b": .number("1"), "a": .array([.string("x"), .null])])
        #expect(value.serialized() == #"{"a":["x",null],"b":1}"#)
        #expect(JSONValue.string("bell\u{07}").serialized() == #""bell\u0007""#)
    }
}

@Suite("JSON Schema subset")
struct JSONSchemaTests {
    static let schema = JSONSchema(try! JSONValue.parse(Array(#"""
        {"$defs": {"money": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,2})?$"}},
         "type": "object", "required": ["amount", "kind"],
         "properties": {"amount": {"$ref": "#/$defs/money"}, "kind": {"enum": ["a", "b"]},
                        "on": {"type": "string", "format": "date"}, "count": {"type": "integer", "minimum": 1, "maximum": 3},
                        "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}}}}
        """#.utf8)))

    func violations(_ json: String) -> [String] {
        Self.schema.validate(try! JSONValue.parse(Array(json.utf8))).map(\.description)
    }

    @Test("a conforming document has no violations")
    func conforming() {
        #expect(violations(#"{"amount": "10.50", "kind": "a", "on": "2026-02-28", "count": 2, "tags": ["ok"]}"#).isEmpty)
    }

    @Test("each broken rule is named with its path", arguments: [
        (#"{"kind": "a"}"#, "missing required property 'amount'"),
        (#"{"amount": "10.505", "kind": "a"}"#, "$.amount: '10.505' does not match"),
        (#"{"amount": "1", "kind": "c"}"#, "$.kind: must be one of"),
        (#"{"amount": "1", "kind": "a", "on": "2026-13-01"}"#, "$.on: '2026-13-01' is not a YYYY-MM-DD date"),
        (#"{"amount": "1", "kind": "a", "count": 4}"#, "$.count: must be at most 3"),
        (#"{"amount": "1", "kind": "a", "count": 1.5}"#, "$.count: expected integer"),
        (#"{"amount": "1", "kind": "a", "tags": []}"#, "$.tags: needs at least 1 item"),
        (#"{"amount": "1", "kind": "a", "tags": ["x"]}"#, "$.tags[0]: must be at least 2"),
    ])
    func broken(json: String, expected: String) {
        let found = violations(json)
        #expect(found.contains { $0.contains(expected) }, "\(found)")
    }
}

@Suite("JSON Schema formats")
struct JSONSchemaFormatTests {
    static let schema = JSONSchema(.object(["properties": .object([
        "on": .object(["format": .string("date")]), "at": .object(["format": .string("date-time")]),
    ])]))

    @Test("date-time follows RFC 3339", arguments: [
        ("2026-01-01T00:00:00Z", true), ("2026-01-01T10:00:00.123+02:00", true), ("2026-01-01 10:00:00-05:00", true),
        ("2026-01-01T00:00:00", false), ("2026-02-30T00:00:00Z", false), ("2026-01-01T00:00:00.Z", false), ("yesterday", false),
    ])
    func dateTime(text: String, valid: Bool) {
        #expect(Self.schema.validate(.object(["at": .string(text)])).isEmpty == valid)
    }

    @Test("date is a real calendar date", arguments: [("2028-02-29", true), ("2027-02-29", false), ("2026-1-01", false)])
    func date(text: String, valid: Bool) {
        #expect(Self.schema.validate(.object(["on": .string(text)])).isEmpty == valid)
    }
}
