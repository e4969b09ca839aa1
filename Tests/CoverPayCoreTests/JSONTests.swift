import CoverPayCore
import Foundation
import PropertyBased
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

@Suite("JSON parser")
struct JSONParserTests {
    static func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test("valid documents", arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), (" \t\r\n false \n", .bool(false)),
        ("0", .number("0")), ("-12", .number("-12")), ("0.15", .number("0.15")), ("-0.5", .number("-0.5")),
        // Numbers come out as the text of their exact decimal value, as they did through JSONDecoder's Decimal.
        ("1.0", .number("1")), ("-0", .number("0")), ("-0.0", .number("0")), ("1e5", .number("100000")), ("12.50", .number("12.5")),
        ("1E+2", .number("100")), ("1e-5", .number("0.00001")), ("-25e-1", .number("-2.5")), ("0.0001e4", .number("1")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        (#""""#, .string("")), (#""plain""#, .string("plain")),
        (#""\" \\ \/ \b \f \n \r \t""#, .string("\" \\ / \u{08} \u{0C} \n \r \t")),
        (#""\u0041\u00e9\u2713\uD834\uDD1E\u0000""#, .string("Aé✓𝄞\u{0}")), (#""caf\u00e9 ✓ 𝄞 raw""#, .string("café ✓ 𝄞 raw")),
        (#""\uFFFF\u007F""#, .string("\u{FFFF}\u{7F}")),
        ("[]", .array([])), ("{}", .object([:])), (#" [ 1 , [ ] , { } , "x" ] "#, .array([.number("1"), .array([]), .object([:]), .string("x")])),
        (#"{"a":{"b":[null,true]},"":0}"#, .object(["a": .object(["b": .array([.null, .bool(true)])]), "": .number("0")])),
        // Duplicate keys: the first wins, as with JSONDecoder.
        (#"{"a":1,"b":2,"a":3}"#, .object(["a": .number("1"), "b": .number("2")])),
        // A leading byte order mark is ignored (RFC 8259 §8.1 allows it; JSONDecoder did too).
        ("\u{FEFF}[1]", .array([.number("1")])),
    ])
    func valid(text: String, expected: JSONValue) throws {
        #expect(try Self.parse(text) == expected)
    }

    @Test("invalid documents name what is wrong and where", arguments: [
        ("", "unexpected end of input at byte 0 (expected a value)"),
        ("   ", "unexpected end of input at byte 3 (expected a value)"),
        ("[1] x", "unexpected character 'x' at byte 4 (expected end of input"),
        ("1 2", "unexpected character '2' at byte 2 (expected end of input"),
        (#"{"a":1 "b":2}"#, #"unexpected character '"' at byte 7 (expected ',' or '}')"#),
        ("[1 2]", "unexpected character '2' at byte 3 (expected ',' or ']')"),
        (#"{"a" 1}"#, "unexpected character '1' at byte 5 (expected ':'"),
        ("{1:2}", "unexpected character '1' at byte 1"),
        ("[1,]", "unexpected character ']' at byte 3 (expected a value after ','; trailing commas are not allowed)"),
        (#"{"a":1,}"#, "unexpected character '}' at byte 7 (expected a member name after ','; trailing commas are not allowed)"),
        ("[,1]", "unexpected character ',' at byte 1 (expected a value)"),
        ("[1,,2]", "unexpected character ',' at byte 3"),
        ("// c\n1", "unexpected character '/' at byte 0"), ("/* c */ 1", "unexpected character '/' at byte 0"),
        ("'a'", "unexpected character ''' at byte 0"), ("NaN", "unexpected character 'N' at byte 0"),
        ("Infinity", "unexpected character 'I' at byte 0"), ("-Infinity", "unexpected character 'I' at byte 1"),
        ("01", "unexpected character '1' at byte 1 (a number may not have leading zeros)"), ("-01", "unexpected character '1' at byte 2"),
        ("+1", "unexpected character '+' at byte 0"), (".5", "unexpected character '.' at byte 0"),
        ("1.", "unexpected end of input at byte 2 (expected a digit after '.')"), ("1.e5", "unexpected character 'e' at byte 2"),
        ("-", "unexpected end of input at byte 1 (expected a digit after '-')"), ("1e", "at byte 2 (expected a digit in the exponent)"),
        ("1e+", "at byte 3 (expected a digit in the exponent)"), ("0x10", "unexpected character 'x' at byte 1"),
        ("1e400", "number '1e400' at byte 0 is out of range"), ("[0e999]", "number '0e999' at byte 1 is out of range"),
        ("tru", "unexpected end of input at byte 3 (expected 'true')"), ("nul", "at byte 3 (expected 'null')"),
        ("fals3", "unexpected character '3' at byte 4 (expected 'false')"), ("True", "unexpected character 'T' at byte 0"),
        (#""abc"#, "unterminated string starting at byte 0"), (#"["a\"]"#, "unterminated string starting at byte 1"),
        ("\"a\u{01}b\"", "unescaped control character U+0001 in string at byte 2"),
        ("\"a\nb\"", "unescaped control character U+000A in string at byte 2"),
        ("\"tab\there\"", "unescaped control character U+0009 in string at byte 4"),
        (#""\x""#, "unexpected character 'x' at byte 2 (expected one of"), (#""\u12""#, #"unexpected character '"' at byte 5 (expected four hex digits"#),
        (#""\u12G4""#, "unexpected character 'G' at byte 5"), (#""\ud800""#, #"unpaired high surrogate \uD800 at byte 1"#),
        (#""ab\uDC00""#, #"unpaired low surrogate \uDC00 at byte 3"#), (#""\ud800\u0041""#, #"unpaired high surrogate \uD800 at byte 1 (followed by \u0041"#),
        (#""\uD834\uD834""#, #"unpaired high surrogate \uD834 at byte 1"#), (#""\ud800x""#, #"unpaired high surrogate \uD800 at byte 1"#),
        ("\u{0B}1", "unexpected control character U+000B at byte 0"), ("\u{0C}1", "unexpected control character U+000C at byte 0"),
        ("\u{A0}1", "unexpected byte 0xC2 at byte 0"), ("{\"a\":1}\u{0}", "unexpected control character U+0000 at byte 7"),
        ("\u{FEFF}\u{FEFF}1", "unexpected byte 0xEF at byte 3"),
    ])
    func invalid(text: String, expected: String) {
        #expect {
            try Self.parse(text)
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("at byte ")
        }
    }

    @Test("invalid UTF-8 in a string names the first bad byte", arguments: [
        ([0x22, 0xFF, 0x22], 1), ([0x22, 0x61, 0xC3, 0x22], 2), ([0x22, 0xC0, 0xAF, 0x22], 1), // bad lead, truncated, overlong
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1), ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), // encoded surrogate, above U+10FFFF
        ([0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], 3), ([0x22, 0xC3, 0xA9, 0x80, 0x22], 3), // after an escape; stray continuation
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect {
            try JSONValue.parse(bytes)
        } throws: { error in
            "\(error)".hasPrefix("invalid UTF-8") && "\(error)".hasSuffix("in string at byte \(offset)")
        }
    }

    @Test("nesting is limited to 512 levels, so hostile input cannot overflow the stack")
    func depth() throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        #expect(try Self.parse(nested(512)) != .null)
        #expect(try Self.parse(String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512)) != .null)
        #expect(throws: JSONParseError.self) { try Self.parse(nested(513)) }
        #expect { try Self.parse(String(repeating: "[", count: 1_000_000)) } throws: { error in
            "\(error)" == "nesting deeper than 512 levels at byte 512"
        }
    }

    @Test("any collection of bytes: arrays, slices, Data, UTF-8 views and non-contiguous collections")
    func inputs() throws {
        let text = #"xx{"a":[1,"é"]}yy"#
        let expected = JSONValue.object(["a": .array([.number("1"), .string("é")])])
        let bytes = Array(text.utf8)
        #expect(try JSONValue.parse(bytes[2..<(bytes.count - 2)]) == expected)
        #expect(try JSONValue.parse(Data(bytes.dropFirst(2).dropLast(2))) == expected)
        #expect(try JSONValue.parse(text.dropFirst(2).dropLast(2).utf8) == expected)
        #expect(try JSONValue.parse(bytes.dropFirst(2).dropLast(2).lazy.map { $0 }) == expected)
        #expect { try JSONValue.parse(bytes.lazy.map { $0 }) } throws: { "\($0)".contains("unexpected character 'x' at byte 0") }
    }

    @Test("numbers come out as Decimal's text of their value, as through JSONDecoder")
    func numbersAsDecimal() async {
        await propertyCheck(count: 2_000, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            let text = JSONSamples.numberText(&rng)
            let expected = Decimal(string: text).map { "\($0)" }
            let parsed = try? JSONValue.parse(Array(text.utf8))
            #expect(parsed == expected.map(JSONValue.number), "\(text)")
        }
    }

    @Test("random values survive serialized() and parse")
    func roundTrip() async {
        await propertyCheck(count: 500, input: Gen.uint64()) { seed in
            var rng = SplitMix64(state: seed)
            let value = JSONSamples.value(&rng, depth: 0)
            let text = value.serialized()
            do {
                #expect(try JSONValue.parse(Array(text.utf8)) == value, "\(text)")
            } catch {
                Issue.record("\(error): \(text)")
            }
        }
    }

    @Test("random mutations of valid documents: accepted exactly when JSONSerialization accepts them")
    func agreesWithFoundation() {
        var rng = SplitMix64(state: 0x5EED_1509)
        let seeds = JSONSamples.documents + (0..<8).map { _ in Array(JSONSamples.value(&rng, depth: 0).serialized().utf8) }
        var compared = 0
        for round in 0..<800 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...2, using: &rng) { JSONSamples.mutate(&bytes, &rng) }
            let ours = Result { () throws(JSONParseError) in try JSONValue.parse(bytes) }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            // Foundation accepts trailing commas (`[1,]`, `{"a":1,}`); RFC 8259 does not.
            if JSONSamples.hasTrailingComma(bytes) { continue }
            // Numbers beyond Decimal (38 digits, exponent -128…127) are refused, as JSONDecoder's Decimal
            // refused them; Foundation reads them as a Double.
            if case .failure(let error) = ours, error.description.contains("is out of range") { continue }
            compared += 1
            let text = String(decoding: bytes, as: UTF8.self)
            switch ours {
            case .success: #expect(foundation, "we accept, Foundation refuses: \(text.debugDescription)")
            case .failure(let error): #expect(!foundation, "we refuse (\(error)), Foundation accepts: \(text.debugDescription)")
            }
        }
        #expect(compared > 600)
    }
}

/// Random numbers, values, documents and mutations for the parser tests.
enum JSONSamples {
    static func digits(_ count: Int, _ rng: inout SplitMix64, leadingNonZero: Bool = false) -> String {
        String((0..<count).map { index in
            index == 0 && leadingNonZero ? Character(String(Int.random(in: 1...9, using: &rng))) : "0001599".randomElement(using: &rng)!
        })
    }

    /// Valid JSON number text, often with exponents, trailing zeros or more digits than Decimal holds.
    static func numberText(_ rng: inout SplitMix64) -> String {
        var text = Bool.random(using: &rng) ? "-" : ""
        text += Int.random(in: 0..<4, using: &rng) == 0 ? "0" : digits([1, 2, 3, 12, 38, 39, 45].randomElement(using: &rng)!, &rng, leadingNonZero: true)
        if Bool.random(using: &rng) { text += "." + digits([1, 2, 5, 20, 40, 130].randomElement(using: &rng)!, &rng) }
        if Bool.random(using: &rng) {
            text += ["e", "E"].randomElement(using: &rng)! + ["", "+", "-", "-"].randomElement(using: &rng)!
            text += String(Int.random(in: 0...160, using: &rng))
        }
        return text
    }

    /// Number text in the form the parser gives back: the exact decimal, without exponent or trailing zeros.
    static func canonicalNumber(_ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: String(Int64.random(in: .min ... .max, using: &rng))
        case 1: String(Int.random(in: -1000...1000, using: &rng))
        case 2: "\(Decimal(Int.random(in: -10_000_000...10_000_000, using: &rng)) / 100)"
        default: "\(Decimal(string: digits(30, &rng, leadingNonZero: true))! / pow(Decimal(10), Int.random(in: 0...40, using: &rng)))"
        }
    }

    static let characters: [Character] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{08}", "\u{0C}", "\u{1F}", "\u{7F}",
        "é", "✓", "𝄞", "\u{FFFF}", "\u{2028}", "\u{10FFFF}", "👩‍👩‍👧",
    ]

    static func string(_ rng: inout SplitMix64) -> String {
        String((0..<Int.random(in: 0...12, using: &rng)).map { _ in characters.randomElement(using: &rng)! })
    }

    static func value(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0...(depth < 4 ? 6 : 3), using: &rng) {
        case 0: return [.null, .bool(true), .bool(false)].randomElement(using: &rng)!
        case 1: return .number(canonicalNumber(&rng))
        case 2, 3: return .string(string(&rng))
        case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) { members[string(&rng)] = value(&rng, depth: depth + 1) }
            return .object(members)
        }
    }

    /// Valid documents to mutate: a policy.issued event as publishers send it, and smaller ones
    /// dense in numbers, escapes and literals.
    static let documents: [[UInt8]] = [
        #"{"specversion":"1.0","id":"POL-9-issued","source":"upstream","type":"coverpay.policy.issued","subject":"POL-9","time":"2026-01-02T03:04:05Z","data":{"policy_id":"POL-9","sequence":1,"effective_date":"2026-01-31","term":{"start":"2026-01-31","end":"2026-07-31"},"billing":{"frequency":"quarterly","calculation_method":"modal"},"commission_rate":"0.15","items":[{"kind":"coverage","ref":"DWELL","premium":"100.01","fee":"5","tax":"2.50"}],"note":"caf\u00e9 \"x\"\n ✓"}}"#,
        #"[0,-1,2.5,-0.25,1e5,1E-2,12.50,100,true,false,null,"",{}]"#,
        #"{"a":"\u0041\uD834\uDD1E\\\/\b\f\n\r\t","b":[[],[{}]],"c":-0.0e+0}"#,
        #" { "spaced" : [ 1 , 2 ] , "é" : "𝄞" } "#,
    ].map { Array($0.utf8) }

    static let interestingBytes: [UInt8] = Array(#"{}[],:"\/ 0123456789-+.eEtfnulrasbu"#.utf8)
        + [0x00, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]

    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let index = Int.random(in: 0..<bytes.count, using: &rng)
        let byte = Bool.random(using: &rng) ? interestingBytes.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0, 1: bytes[index] = byte
        case 2: bytes.insert(byte, at: index)
        case 3: if bytes.count > 1 { bytes.remove(at: index) }
        default: bytes.swapAt(index, Int.random(in: 0..<bytes.count, using: &rng))
        }
    }

    /// A `,` followed (after whitespace) by `]` or `}`, outside strings.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false, escaped = false, afterComma = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; afterComma = false
            case UInt8(ascii: ","): afterComma = true
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
            case UInt8(ascii: " "), 0x09, 0x0A, 0x0D: break
            default: afterComma = false
            }
        }
        return false
    }
}
