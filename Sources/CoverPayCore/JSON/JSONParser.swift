import Foundation

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`, working on the bytes in place.
///
/// Strict: one value of any kind at the top, surrounded only by space, tab, CR and LF (and, as
/// RFC 8259 §8.1 allows, one leading byte order mark); no trailing commas, comments, single quotes,
/// NaN/Infinity, `+1`, `01`, `.5` or `1.`; strings must be valid UTF-8, control characters escaped
/// and `\u` surrogates paired. Containers nest at most `maxDepth` deep, so hostile input cannot
/// exhaust the stack. Errors name what was wrong and its byte offset (counted from 0), e.g.
/// `unexpected character 'x' at byte 17 (expected ',' or '}')`.
///
/// Compatible with the `JSONDecoder` path it replaced: numbers come out as the text of the exact
/// decimal value (`1.0` → `1`, `-0` → `0`, `1e5` → `100000`, `12.50` → `12.5`), within what
/// Foundation's `Decimal` holds (38 significant digits, exponent -128…127; beyond that `Decimal`
/// decides, and rejects what it cannot hold); of duplicate object keys the first one wins.
struct JSONParser {
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []
    /// The members and elements of the open containers, innermost last: each container is built
    /// once at its exact size when it closes, instead of growing (and rehashing) as it fills.
    private var openMembers: [(key: String, value: JSONValue)] = []
    private var openElements: [JSONValue] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func parse(_ input: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result = input.withContiguousStorageIfAvailable(parseDocument)
            ?? Array(input).withUnsafeBufferPointer(parseDocument)
        return try result.get()
    }

    private static func parseDocument(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes)
        do throws(JSONParseError) {
            return .success(try parser.document())
        } catch {
            return .failure(error)
        }
    }

    private mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        skipWhitespace()
        let value = try self.value()
        skipWhitespace()
        if position < bytes.count { throw unexpected(expected: "end of input after the value") }
        return value
    }

    // MARK: Values

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw unexpected(expected: "a value") }
        switch bytes[position] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected(expected: "a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard position < bytes.count, bytes[position] == byte else { throw unexpected(expected: "'\(word)'") }
            position += 1
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        if try enterContainer(closer: UInt8(ascii: "}")) { return .object([:]) }
        let base = openMembers.count
        repeat {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw openMembers.count == base
                    ? unexpected(expected: "'\"' to start a member name or '}'") : unexpectedAfterComma(expected: "a member name", closer: "}")
            }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw unexpected(expected: "':' after the member name") }
            position += 1
            skipWhitespace()
            openMembers.append((key, try value()))
        } while try separator(closer: UInt8(ascii: "}"), expected: "',' or '}'")
        return closeObject(from: base)
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        if try enterContainer(closer: UInt8(ascii: "]")) { return .array([]) }
        let base = openElements.count
        repeat {
            if openElements.count > base, position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                throw unexpectedAfterComma(expected: "a value", closer: "]")
            }
            openElements.append(try value())
        } while try separator(closer: UInt8(ascii: "]"), expected: "',' or ']'")
        return closeArray(from: base)
    }

    /// Consumes the opening bracket or brace and the whitespace after it, refusing to nest deeper
    /// than `maxDepth`; true when the container is empty (its `closer` consumed too).
    private mutating func enterContainer(closer: UInt8) throws(JSONParseError) -> Bool {
        guard depth < Self.maxDepth else {
            throw JSONParseError(description: "nesting deeper than \(Self.maxDepth) levels at byte \(position)")
        }
        depth += 1
        position += 1
        skipWhitespace()
        return closeIfAt(closer)
    }

    /// After a member or element: true after a `,` (another one follows), false after the `closer`.
    private mutating func separator(closer: UInt8, expected: String) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw unexpected(expected: expected) }
        if bytes[position] == UInt8(ascii: ",") {
            position += 1
            skipWhitespace()
            return true
        }
        guard closeIfAt(closer) else { throw unexpected(expected: expected) }
        return false
    }

    private mutating func closeIfAt(_ closer: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == closer else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// The object of the open members from `base` on.
    @inline(never)
    private mutating func closeObject(from base: Int) -> JSONValue {
        var members = [String: JSONValue](minimumCapacity: openMembers.count - base)
        while openMembers.count > base {
            // Last to first, so of duplicate keys the first one wins, as it did with JSONDecoder.
            let (key, member) = openMembers.removeLast()
            members[key] = member
        }
        return .object(members)
    }

    @inline(never)
    private mutating func closeArray(from base: Int) -> JSONValue {
        let elements = Array(openElements[base...])
        openElements.removeSubrange(base...)
        return .array(elements)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    // MARK: Strings

    /// A string starting at the opening quote; leaves `position` after the closing one.
    private mutating func string() throws(JSONParseError) -> String {
        let open = position
        position += 1
        let start = position
        var highBits: UInt64 = 0
        // Eight bytes at a time while none is a quote, a backslash or a control character.
        while position + 8 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self)
            if Self.hasSpecialByte(word) { break }
            highBits |= word
            position += 8
        }
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let text = try makeString(start..<position, ascii: highBits & 0x8080_8080_8080_8080 == 0)
                position += 1
                return text
            case UInt8(ascii: "\\"):
                return try escapedString(open: open, start: start)
            case 0..<0x20:
                throw unescapedControlCharacter()
            default:
                highBits |= UInt64(byte)
                position += 1
            }
        }
        throw JSONParseError(description: "unterminated string starting at byte \(open)")
    }

    /// True when one of the eight bytes is `"`, `\` or below 0x20 (may flag other bytes too; the
    /// caller then looks byte by byte).
    @inline(__always)
    private static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let below0x20 = (word &- ones &* 0x20) & ~word & highs
        return (hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x5C)) | below0x20) != 0
    }

    private func makeString(_ range: Range<Int>, ascii: Bool) throws(JSONParseError) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else { throw invalidUTF8(in: range) }
        return text
    }

    /// The rest of a string from its first backslash, decoded into `scratch`.
    private mutating func escapedString(open: Int, start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var run = start
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<position]))
                guard let text = String(validating: scratch, as: UTF8.self) else { throw invalidUTF8(in: start..<position) }
                position += 1
                return text
            case UInt8(ascii: "\\"):
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<position]))
                try escape()
                run = position
            case 0..<0x20:
                throw unescapedControlCharacter()
            default:
                position += 1
            }
        }
        throw JSONParseError(description: "unterminated string starting at byte \(open)")
    }

    /// One escape sequence at `position` (the backslash), appended to `scratch` as UTF-8.
    private mutating func escape() throws(JSONParseError) {
        let backslash = position
        position += 1
        guard position < bytes.count else { throw unexpected(expected: "an escape character after '\\'") }
        let simple: UInt8? = switch bytes[position] {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): UInt8(ascii: "\n")
        case UInt8(ascii: "r"): UInt8(ascii: "\r")
        case UInt8(ascii: "t"): UInt8(ascii: "\t")
        default: nil
        }
        if let simple {
            scratch.append(simple)
            position += 1
            return
        }
        guard bytes[position] == UInt8(ascii: "u") else {
            throw unexpected(expected: "one of \" \\ / b f n r t u after '\\'")
        }
        position += 1
        var code = try hex4()
        if 0xDC00...0xDFFF ~= code {
            throw JSONParseError(description: "unpaired low surrogate \\u\(Self.hex(code)) at byte \(backslash)")
        }
        if 0xD800...0xDBFF ~= code {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(description: "unpaired high surrogate \\u\(Self.hex(code)) at byte \(backslash) (expected a \\uDC00-\\uDFFF escape to follow)")
            }
            position += 2
            let low = try hex4()
            guard 0xDC00...0xDFFF ~= low else {
                throw JSONParseError(description: "unpaired high surrogate \\u\(Self.hex(code)) at byte \(backslash) (followed by \\u\(Self.hex(low)), not \\uDC00-\\uDFFF)")
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        scratch.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw unexpected(expected: "four hex digits after '\\u'") }
            let byte = bytes[position]
            let digit: UInt8 = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: throw unexpected(expected: "four hex digits after '\\u'")
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    private static func hex(_ code: UInt32) -> String {
        let digits = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The error for a string in `range` that is not valid UTF-8, naming the first bad byte.
    private func invalidUTF8(in range: Range<Int>) -> JSONParseError {
        var index = range.lowerBound
        while index < range.upperBound {
            let length = Self.validSequenceLength(at: index, end: range.upperBound, in: bytes)
            guard length > 0 else { break }
            index += length
        }
        let byte = index < range.upperBound ? bytes[index] : 0
        return JSONParseError(description: "invalid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true))) in string at byte \(index)")
    }

    /// The length of the well-formed UTF-8 sequence at `index`, or 0 (Unicode table 3-7).
    private static func validSequenceLength(at index: Int, end: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let lead = bytes[index]
        let (length, secondRange): (Int, ClosedRange<UInt8>) = switch lead {
        case 0x00...0x7F: (1, 0x80...0xBF)
        case 0xC2...0xDF: (2, 0x80...0xBF)
        case 0xE0: (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
        case 0xED: (3, 0x80...0x9F)
        case 0xF0: (4, 0x90...0xBF)
        case 0xF1...0xF3: (4, 0x80...0xBF)
        case 0xF4: (4, 0x80...0x8F)
        default: (0, 0x80...0xBF)
        }
        guard length > 1 else { return length }
        guard index + length <= end, secondRange ~= bytes[index + 1] else { return 0 }
        for offset in 2..<length where !(0x80...0xBF ~= bytes[index + offset]) { return 0 }
        return length
    }

    // MARK: Numbers

    /// A number per the RFC 8259 grammar, as the text of its exact decimal value.
    private mutating func number() throws(JSONParseError) -> String {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let integerStart = position
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw unexpected(expected: "a digit after '-'") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, Self.isDigit(bytes[position]) { throw unexpected(because: "a number may not have leading zeros") }
        } else {
            skipDigits()
        }
        let integerEnd = position
        var fractionStart = position
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            fractionStart = position
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw unexpected(expected: "a digit after '.'") }
            skipDigits()
        }
        let fractionEnd = position
        var exponent = 0
        var hasExponent = false
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            position += 1
            var exponentNegative = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw unexpected(expected: "a digit in the exponent") }
            while position < bytes.count, Self.isDigit(bytes[position]) {
                exponent = min(exponent * 10 + Int(bytes[position] - UInt8(ascii: "0")), 1_000_000)
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        let digits = Digits(
            bytes: bytes, integer: integerStart..<integerEnd, fraction: fractionStart..<fractionEnd)
        let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
        // Already the exact decimal text in the common cases: `7`, `-12`, `100`, `0.15`.
        if !hasExponent, fractionStart == fractionEnd || bytes[fractionEnd - 1] != UInt8(ascii: "0"),
            !(negative && digits.isZero), digits.count <= 38
        {
            return String(decoding: text, as: UTF8.self)
        }
        if let canonical = digits.canonical(negative: negative, exponent: exponent) {
            return canonical
        }
        // Beyond 38 digits or exponent -128…127 as written: Decimal rounds or refuses, as before.
        guard let decimal = Decimal(string: String(decoding: text, as: UTF8.self)) else {
            throw JSONParseError(description: "number '\(String(decoding: text.prefix(40), as: UTF8.self))' at byte \(start) is out of range (at most 38 significant digits, exponent -128 to 127)")
        }
        return "\(decimal)"
    }

    @inline(__always)
    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// The digits of a number's integer and fraction parts, read as one digit string.
    private struct Digits {
        let bytes: UnsafeBufferPointer<UInt8>
        let integer: Range<Int>
        let fraction: Range<Int>

        var count: Int { integer.count + fraction.count }
        var isZero: Bool { firstNonZero == nil }

        subscript(index: Int) -> UInt8 {
            index < integer.count ? bytes[integer.lowerBound + index] : bytes[fraction.lowerBound + index - integer.count]
        }

        var firstNonZero: Int? { (0..<count).first { self[$0] != UInt8(ascii: "0") } }

        /// The exact value as Decimal's description writes it, or nil unless Decimal certainly holds
        /// it as written (then Decimal itself decides: it rounds past 38 digits, and refuses e.g.
        /// `1e128` and `8.0e-128` though `10e127` and `8e-128` fit).
        func canonical(negative: Bool, exponent: Int) -> String? {
            guard -128...127 ~= exponent - fraction.count else { return nil }
            guard let first = firstNonZero else { return "0" }
            guard count - first <= 38 else { return nil }
            let last = (first..<count).last { self[$0] != UInt8(ascii: "0") }!
            let significant = last - first + 1
            // The value is digits[first...last] × 10^scale.
            let scale = exponent - fraction.count + (count - 1 - last)
            var output: [UInt8] = []
            output.reserveCapacity(significant + abs(scale) + 3)
            if negative { output.append(UInt8(ascii: "-")) }
            if scale >= 0 {
                for index in first...last { output.append(self[index]) }
                output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale))
            } else if -scale < significant {
                let point = first + significant + scale
                for index in first..<point { output.append(self[index]) }
                output.append(UInt8(ascii: "."))
                for index in point...last { output.append(self[index]) }
            } else {
                output.append(contentsOf: "0.".utf8)
                output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -scale - significant))
                for index in first...last { output.append(self[index]) }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    // MARK: Errors

    // The errors are built out of line, to keep the recursive frames small.

    /// `unexpected character 'x' at byte 17 (expected ',' or '}')`, or `unexpected end of input …`.
    @inline(never)
    private func unexpected(expected: String) -> JSONParseError {
        unexpected(because: "expected \(expected)")
    }

    @inline(never)
    private func unexpected(because reason: String) -> JSONParseError {
        let found = position < bytes.count ? Self.describe(bytes[position]) : "end of input"
        return JSONParseError(description: "unexpected \(found) at byte \(position) (\(reason))")
    }

    /// After a `,`: names a trailing comma as such.
    @inline(never)
    private func unexpectedAfterComma(expected: String, closer: Unicode.Scalar) -> JSONParseError {
        position < bytes.count && bytes[position] == UInt8(ascii: closer)
            ? unexpected(expected: "\(expected) after ','; trailing commas are not allowed") : unexpected(expected: expected)
    }

    @inline(never)
    private func unescapedControlCharacter() -> JSONParseError {
        JSONParseError(description: "unescaped \(Self.describe(bytes[position])) in string at byte \(position) (write it as a \\u escape)")
    }

    private static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0x21...0x7E: "character '\(Character(Unicode.Scalar(byte)))'"
        case 0x20: "space"
        case 0..<0x20, 0x7F: "control character U+\(hex(UInt32(byte)))"
        default: "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }
}
