import CoverPayCore
import Foundation
import Testing

/// What the leak scan reports, and what it must not (the false positives measured on a whole
/// `make test` run are here as cases).
@Suite("Leak detector")
struct LeakDetectorTests {
    let detector = LeakDetector(accountNumbers: ["000123456789", "987654321", "1234"])

    func describe(_ text: String) -> [String] { detector.findings(in: text).map { "\($0.kind.rawValue) \($0.masked)" } }

    @Test("card numbers, contiguous or grouped, are reported masked to their last four digits")
    func cardNumbers() {
        #expect(describe("card 4111111111111111 declined") == ["card_number ************1111"])
        #expect(detector.findings(in: #"{"pan":"5500-0055-5555-5559"}"#).map(\.masked) == ["************5559"])
        // American Express: 15 digits starting 37, never taken for a trace number.
        #expect(detector.findings(in: "378282246310005").map(\.kind) == [.cardNumber])
    }

    @Test("trace numbers, UUIDs, references longer than 19 digits and words are not card numbers")
    func knownSafeFormats() {
        // Each holds a Luhn-valid 13–19 digit sequence that is not a card number.
        #expect(PANScanner.containsPAN("011000010000013") && PANScanner.containsPAN("4111111111111111"))
        for text in [
            #"{"trace_number":"011000010000013"}"#, "event 688e1234-5678-9018-005e-3c1f2a9b7d10",
            "reference 411111111111111100000", "id 4111111111111111a", "at 2026-12-01T02:38:50.123456Z",
        ] {
            #expect(detector.findings(in: text).isEmpty, "\(text)")
        }
    }

    @Test("a trace-shaped run that passes Luhn is exempt; the same digits as an Amex prefix are not")
    func traceExemptionIsPrecise() {
        let traces = (0..<2_000).map { "01100001" + String(format: "%07d", $0) }.filter { PANScanner.containsPAN($0) }
        #expect(!traces.isEmpty)
        for trace in traces { #expect(detector.findings(in: trace).isEmpty, "\(trace)") }
        #expect(!detector.findings(in: "371449635398431").isEmpty)
    }

    @Test("a known account number is found as a whole digit run, not inside a longer one; short ones are ignored")
    func accountNumbers() {
        #expect(describe(#"{"account_number":"987654321"}"#) == ["account_number *****4321"])
        #expect(detector.findings(in: "routing 011000015 account 000123456789.").map(\.masked) == ["********6789"])
        #expect(detector.findings(in: "ref 9876543210 and 0009876543211").isEmpty)
        #expect(detector.findings(in: "account ****4321, last4 1234").isEmpty)
    }

    @Test("in a NACHA entry detail record the account field follows the routing number with no separator: it is read by position")
    func nachaEntryDetail() {
        let entry = "627011000015000123456789     0000012345ID-0000000001  JANE DOE                0011000010000001"
        #expect(entry.count == 94)
        #expect(detector.findings(in: entry).map(\.masked) == ["********6789"])
        let other = "627011000015000999999999     0000012345ID-0000000001  JANE DOE                0011000010000001"
        #expect(detector.findings(in: other).isEmpty)
        // Measured on a whole `make test`: the addenda indicator `1` and the trace number make a
        // 16-digit run that passes Luhn; by field, neither is a card number.
        let returned = "626011000015987650101        0000010000PN-ACH-0101-982PN-ACH-0101-9827B473    1091000010000006"
        #expect(returned.count == 94 && PANScanner.containsPAN(returned))
        #expect(detector.findings(in: returned).isEmpty)
    }

    @Test("JSON is read by its values: an escape before the digits does not hide them")
    func jsonValues() {
        #expect(PANScanner.cardNumbers(in: #"{"msg":"card\n4111111111111111"}"#).isEmpty)
        #expect(describe(#"{"msg":"card\n4111111111111111"}"#) == ["card_number ************1111"])
        #expect(describe(#"{"files":{"a.ach":"101 HEADER\n627011000015000123456789     0000012345ID-0000000001  JANE DOE                0011000010000001"}}"#) == ["account_number ********6789"])
        #expect(describe(#"{"4111111111111111":true}"#) == ["card_number ************1111"])
    }

    @Test("an archived NACHA file keeps only the last four digits of each account, every other byte as it was")
    func nachaArchiveMasking() throws {
        let header = "101 011000015 0910000102612011200A094101SANDBOX BANK           COVERPAY               ".padding(toLength: 94, withPad: " ", startingAt: 0)
        let entry = "626011000015000123456789     0000012345ID-0000000001  JANE DOE                1091000010000006"
        let addenda = "799R01011000010000083      01100001                                            091000010000005"
        #expect(header.count == 94 && entry.count == 94 && addenda.count == 94)
        let masked = try #require(NACHAAccountMasking.masked([header, entry, addenda].joined(separator: "\n") + "\n"))
        let lines = masked.split(separator: "\n").map(String.init)
        #expect(lines == [header, "6260110000156789             0000012345ID-0000000001  JANE DOE                1091000010000006", addenda])
        #expect(detector.findings(in: masked).isEmpty && !detector.findings(in: entry).isEmpty)
        #expect(NACHAAccountMasking.masked("01,COVERPAY,BANK/\n") == nil)
    }
}
