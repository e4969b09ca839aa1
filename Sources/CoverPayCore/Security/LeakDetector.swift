/// What the leak scan (`coverpay scan leaks`, docs/security.md) looks for in stored or logged text:
/// a card number as `PANScanner` defines it (13–19 Luhn-valid digits, contiguous or in card groups,
/// not part of a longer digit run or a word), and any full bank account number of a known list (the
/// sandbox accounts the tests and the demo use) as a whole digit run, bounded by non-digits — or,
/// in a NACHA entry detail record (a 94-character line starting `6`), as its DFI account field
/// (positions 13–29), which follows the routing number with no separator.
///
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

    public func findings(in text: String) -> [Finding] {
        var found: [Finding] = []
        for digits in PANScanner.cardNumbers(in: text) where !NACHATraceNumber.isWellFormed(digits) {
            found.append(Finding(kind: .cardNumber, masked: Self.mask(digits)))
        }
        if !accountNumbers.isEmpty {
            for run in Self.digitRuns(in: text) + Self.nachaEntryAccount(in: text) where accountNumbers.contains(run) {
                found.append(Finding(kind: .accountNumber, masked: Self.mask(run)))
            }
        }
        return found
    }

    static func mask(_ digits: String) -> String {
        String(repeating: "*", count: max(0, digits.count - 4)) + digits.suffix(4)
    }

    /// The DFI account number field of a NACHA entry detail record, trimmed.
    static func nachaEntryAccount(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        guard bytes.count == 94, bytes[0] == UInt8(ascii: "6") else { return [] }
        return [String(decoding: bytes[12..<29].filter { $0 != UInt8(ascii: " ") }, as: UTF8.self)]
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
