/// What the leak scan (`coverpay scan leaks`, docs/security.md) looks for in stored or logged text:
/// a card number as `PANScanner` defines it (13–19 Luhn-valid digits, contiguous or in card groups,
/// not part of a longer digit run or a word), and any full bank account number of a known list (the
/// sandbox accounts the tests and the demo use) as a whole digit run, bounded by non-digits — in a
/// NACHA entry detail record, where the account field follows the routing number with no
/// separator, bounded by its field.
///
/// Text is read as `findings(in:)` says (JSON by its values, line by line, NACHA entries by field).
/// One exemption, precise: a contiguous 15-digit run shaped as a NACHA trace number
/// (`NACHATraceNumber`) is a trace number, not an American Express number (those start 34 or 37,
/// which no routing prefix does). Everything else that passes Luhn is reported.
public struct LeakDetector: Sendable {
    public enum Kind: String, Sendable { case cardNumber = "card_number", accountNumber = "account_number" }

    public struct Finding: Sendable, Hashable {
        public let kind: Kind
        /// The number with every digit but the last four masked: reports never repeat a leak.
        public let masked: String
    }

    /// Shorter account numbers (`1234`) occur by chance in any text; the sandbox's are longer.
    public static let minimumAccountLength = 7

    private let accountNumbers: Set<String>

    public init(accountNumbers: some Sequence<String>) {
        self.accountNumbers = Set(accountNumbers.filter { $0.count >= Self.minimumAccountLength && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
    }

    /// JSON text (a jsonb column, a log line, a dead letter's body) is read as its keys and values:
    /// in the raw text an escape such as `\n` would glue a letter to the digits after it and hide
    /// them. Every string is read line by line, and a NACHA entry detail line field by field.
    public func findings(in text: String) -> [Finding] {
        var found: [Finding] = []
        for piece in Self.pieces(of: text) {
            for line in piece.split(separator: "\n", omittingEmptySubsequences: true) {
                let line = String(line.hasSuffix("\r") ? line.dropLast() : line)
                for field in Self.nachaEntryFields(line) ?? [line] { found += findings(inLine: field) }
            }
        }
        return found
    }

    private func findings(inLine text: String) -> [Finding] {
        var found: [Finding] = []
        for digits in PANScanner.cardNumbers(in: text) where !NACHATraceNumber.isWellFormed(digits) {
            found.append(Finding(kind: .cardNumber, masked: Self.mask(digits)))
        }
        for run in Self.digitRuns(in: text) where accountNumbers.contains(run) {
            found.append(Finding(kind: .accountNumber, masked: Self.mask(run)))
        }
        return found
    }

    /// The keys and the string and number values of JSON text; other text as it is.
    static func pieces(of text: String) -> [String] {
        guard let first = text.utf8.first(where: { $0 != 32 && $0 != 10 && $0 != 9 }), first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
              let value = try? JSONValue.parse(Array(text.utf8)) else { return [text] }
        var pieces: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .string(let text), .number(let text): pieces.append(text)
            case .array(let elements): elements.forEach(visit)
            case .object(let members):
                for (key, member) in members {
                    pieces.append(key)
                    visit(member)
                }
            case .null, .bool: break
            }
        }
        visit(value)
        return pieces
    }

    /// The fields of a NACHA entry detail record (94 characters starting `6`): record type,
    /// transaction code, RDFI id, check digit, account, amount, individual id, name, discretionary
    /// data, addenda indicator, trace number. Read whole, the addenda indicator and the trace
    /// number make one 16-digit run that passes Luhn one time in ten.
    static func nachaEntryFields(_ line: String) -> [String]? {
        let bytes = Array(line.utf8)
        guard bytes.count == 94, bytes[0] == UInt8(ascii: "6") else { return nil }
        let bounds = [0, 1, 3, 11, 12, 29, 39, 54, 76, 78, 79, 94]
        return zip(bounds, bounds.dropFirst()).map { String(decoding: bytes[$0..<$1], as: UTF8.self) }
    }

    static func mask(_ digits: String) -> String {
        String(repeating: "*", count: max(0, digits.count - 4)) + digits.suffix(4)
    }

    /// Maximal runs of ASCII digits at least `minimumAccountLength` long.
    static func digitRuns(in text: String) -> [String] {
        var runs: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte >= 48 && byte <= 57 {
                current.append(byte)
            } else {
                if current.count >= minimumAccountLength { runs.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
            }
        }
        if current.count >= minimumAccountLength { runs.append(String(decoding: current, as: UTF8.self)) }
        return runs
    }
}
