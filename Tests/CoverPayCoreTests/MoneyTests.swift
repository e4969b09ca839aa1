import Foundation
import Testing
@testable import CoverPayCore

@Suite struct MoneyTests {
    @Test(arguments: [
        ("-12.5", Int64(-1250)), ("1234.50", 123_450), ("7", 700), ("0.05", 5), ("-0.05", -5),
        ("+3.25", 325), (".5", 50), ("0", 0), ("9999999999999.99", 999_999_999_999_999),
    ])
    func parses(text: String, cents: Int64) throws {
        #expect(try Money(parsing: text).cents == cents)
    }

    @Test func refusesMoreThanTwoDecimalsNamingTheValue() {
        #expect(throws: MoneyError.tooManyDecimals("12.345")) { try Money(parsing: "12.345") }
        #expect(MoneyError.tooManyDecimals("12.345").description.contains("12.345"))
        #expect(MoneyError.tooManyDecimals("12.345").code == "too_many_decimals")
    }

    @Test(arguments: ["", "-", "1.", "1,00", "abc", "1e3", " 1", "--1", "1.2.3", "0x10"])
    func refusesMalformed(text: String) {
        #expect(throws: MoneyError.invalidAmount(text)) { try Money(parsing: text) }
    }

    @Test func refusesOutOfRange() {
        #expect(throws: MoneyError.outOfRange("10000000000000.00")) { try Money(parsing: "10000000000000.00") }
        #expect(throws: MoneyError.outOfRange("99999999999999999999")) { try Money(parsing: "99999999999999999999") }
    }

    @Test(arguments: [(Int64(123_450), "1234.50"), (-5, "-0.05"), (0, "0.00"), (700, "7.00"), (-123_456, "-1234.56"), (10, "0.10")])
    func formatsTwoDecimals(cents: Int64, text: String) {
        #expect(Money(cents: cents).description == text)
    }

    @Test func arithmeticAndOrder() {
        let a = Money(cents: 1050), b = Money(cents: 75)
        #expect((a + b).cents == 1125)
        #expect((a - b).cents == 975)
        #expect((-a).cents == -1050)
        #expect(b < a)
        #expect([a, b, -a].sorted() == [-a, b, a])
    }

    @Test func codableAsDecimalString() throws {
        let encoded = try JSONEncoder().encode([Money(cents: -5), Money(cents: 123_450)])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["-0.05","1234.50"]"#)
        #expect(try JSONDecoder().decode([Money].self, from: encoded) == [Money(cents: -5), Money(cents: 123_450)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data(#"["1.234"]"#.utf8)) }
    }

    @Test func currencyAcceptsOnlyUSD() throws {
        #expect(try Currency(code: "USD") == .usd)
        #expect(throws: MoneyError.unsupportedCurrency("EUR")) { try Currency(code: "EUR") }
        #expect(MoneyError.unsupportedCurrency("EUR").description.contains("EUR"))
    }
}
