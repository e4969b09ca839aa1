/// A US bank routing transit number (ABA RTN): nine digits whose weighted sum
/// 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10. The checksum catches every
/// single-digit typo, so a bad number is refused before a debit is ever sent to the bank.
public struct ABARoutingNumber: Sendable, Hashable, CustomStringConvertible {
    /// The nine digits, as written.
    public let digits: String

    public init?(_ text: String) {
        guard ABARoutingNumber.isValid(text) else { return nil }
        self.digits = text
    }

    public static func isValid(_ text: String) -> Bool {
        let values = text.utf8.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard values.count == 9, values.allSatisfy({ (0...9).contains($0) }) else { return false }
        let weights = [3, 7, 1, 3, 7, 1, 3, 7, 1]
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return sum % 10 == 0
    }

    /// The first eight digits: the receiving institution's identification in NACHA records and entry hashes.
    public var institutionIdentification: String { String(digits.prefix(8)) }

    /// The ninth digit, carried separately in NACHA entry details.
    public var checkDigit: Character { digits.last! }

    public var description: String { digits }
}
