/// An amount of money in integer minor units (cents). Never floating point: parsing, arithmetic
/// and formatting are all exact, and JSON carries it as a two-decimal string ("1234.50").
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var cents: Int64

    public static let zero = Money(cents: 0)

    /// Parsed amounts are capped well below Int64's range (at 9,999,999,999,999.99) so that sums
    /// of thousands of them can never overflow.
    public static let maximumMagnitudeCents: Int64 = 999_999_999_999_999

    public init(cents: Int64) {
        self.cents = cents
    }

    /// Parses "-12.5", "1234.50", "7", "+3.25", ".5": an optional sign, digits, and at most two decimals.
    public init(parsing text: String) throws(MoneyError) {
        var scalars = Substring(text).utf8[...]
        var negative = false
        if let sign = scalars.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            scalars = scalars.dropFirst()
        }
        let dot = scalars.firstIndex(of: UInt8(ascii: "."))
        let whole = dot.map { scalars[..<$0] } ?? scalars
        let fraction = dot.map { scalars[scalars.index(after: $0)...] } ?? scalars[scalars.endIndex...]
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy(Money.isDigit), fraction.allSatisfy(Money.isDigit),
              dot == nil || !fraction.isEmpty
        else { throw .invalidAmount(text) }
        guard fraction.count <= 2 else { throw .tooManyDecimals(text) }

        var cents: Int64 = 0
        for digit in whole {
            let (shifted, overflowA) = cents.multipliedReportingOverflow(by: 10)
            let (added, overflowB) = shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw .outOfRange(text) }
            cents = added
        }
        var fractionCents: Int64 = 0
        for (position, digit) in fraction.enumerated() {
            fractionCents += Int64(digit - UInt8(ascii: "0")) * (position == 0 ? 10 : 1)
        }
        let (scaled, overflowA) = cents.multipliedReportingOverflow(by: 100)
        let (total, overflowB) = scaled.addingReportingOverflow(fractionCents)
        guard !overflowA, !overflowB, total <= Money.maximumMagnitudeCents else { throw .outOfRange(text) }
        self.cents = negative ? -total : total
    }

    /// Always two decimals: "1234.50", "-0.05", "0.00".
    public var description: String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        let sign = cents < 0 ? "-" : ""
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public var isZero: Bool { cents == 0 }
    public var isNegative: Bool { cents < 0 }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }
    public static prefix func - (value: Money) -> Money { Money(cents: -value.cents) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.cents += rhs.cents }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.cents -= rhs.cents }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

extension Money: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Money(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
