/// The agency's commission as a fraction of premium, kept exact: the decimal string of
/// `policy.issued.commission_rate` ("0.15", "0.125") as an integer over a power of ten.
public struct CommissionRate: Sendable, Hashable, CustomStringConvertible {
    public let numerator: Int64
    public let scale: Int

    /// At most six decimals: enough for any real rate, small enough that premium × numerator cannot overflow.
    public static let maximumScale = 6

    private init(numerator: Int64, scale: Int) {
        self.numerator = numerator
        self.scale = scale
    }

    /// Parses "0.15", "0.125", "1", "0": a plain decimal between 0 and 1 with at most six decimals.
    public init(parsing text: String) throws(LedgerError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts.first.map(String.init) ?? ""
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard parts.count <= 2, whole.count <= 1, !(whole.isEmpty && fraction.isEmpty),
              (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }),
              fraction.count <= Self.maximumScale,
              let value = Int64(whole.isEmpty ? "0" : whole).flatMap({ w in Int64(fraction.isEmpty ? "0" : fraction).map { (w, $0) } })
        else {
            throw LedgerError(.invalidCommissionRate, "commission_rate '\(text)' must be a decimal like \"0.15\" with at most \(Self.maximumScale) decimals")
        }
        var denominator: Int64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        let numerator = value.0 * denominator + value.1
        guard numerator <= denominator else {
            throw LedgerError(.invalidCommissionRate, "commission_rate '\(text)' must be between 0 and 1")
        }
        self.init(numerator: numerator, scale: fraction.count)
    }

    private var denominator: Int64 {
        var value: Int64 = 1
        for _ in 0..<scale { value *= 10 }
        return value
    }

    /// The commission on `premium`, rounded to the cent half away from zero (0.5 cent rounds up for
    /// a positive premium, down for a negative one), so a credit is the mirror image of a charge.
    public func commission(on premium: Money) -> Money {
        // Split the premium so no product overflows: whole units of the denominator times the rate
        // are exact (numerator <= denominator), and only the remainder (< denominator <= 10^6) is rounded.
        let magnitude = premium.cents.magnitude
        let denominator = UInt64(self.denominator)
        let whole = magnitude / denominator, remainder = magnitude % denominator
        let rounded = whole * UInt64(numerator) + (remainder * UInt64(numerator) * 2 + denominator) / (denominator * 2)
        return Money(cents: premium.isNegative ? -Int64(rounded) : Int64(rounded))
    }

    public var description: String {
        guard scale > 0 else { return "\(numerator)" }
        let text = String(numerator)
        let padded = String(repeating: "0", count: max(0, scale + 1 - text.count)) + text
        return "\(padded.dropLast(scale)).\(padded.suffix(scale))"
    }
}
