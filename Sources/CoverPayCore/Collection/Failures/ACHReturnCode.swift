/// A NACHA return reason code, `R` and two digits (R01 insufficient funds, R29 corporate not
/// authorized, …). Codes outside the table below still parse (a file reader keeps what the bank
/// sent); `isDefined` tells whether Nacha defines the code, and the retrier refuses one it does not.
public struct ACHReturnCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes[0] == UInt8(ascii: "R"),
              bytes[1...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), text != "R00"
        else { return nil }
        rawValue = text
    }

    public var reason: String { ACHReturnCode.reasons[rawValue] ?? "return reason \(rawValue)" }

    /// Unauthorized-type returns the RDFI may send up to 60 calendar days after settlement;
    /// every other return must arrive within 2 banking days (NACHA Operating Rules, return timeframes).
    public var isUnauthorized: Bool { ["R05", "R07", "R10", "R11", "R37", "R51", "R53"].contains(rawValue) }

    public var returnTimeframe: ReturnTimeframe { isUnauthorized ? .calendarDays(60) : .bankingDays(2) }

    public var description: String { rawValue }

    /// Whether Nacha defines this code (R01–R85, current Operating Rules, Appendix Four). A return
    /// with any other code is bad input for the retrier: nothing can be decided from it.
    public var isDefined: Bool { ACHReturnCode.reasons[rawValue] != nil }

    /// Every code Nacha defines, in order.
    public static let defined: [ACHReturnCode] = reasons.keys.sorted().compactMap(ACHReturnCode.init)

    /// Nacha Operating Rules, Appendix Four (Return Entries), table of return reason codes.
    static let reasons: [String: String] = [
        "R01": "insufficient funds",
        "R02": "account closed",
        "R03": "no account / unable to locate account",
        "R04": "invalid account number structure",
        "R05": "unauthorized debit to consumer account using corporate SEC code",
        "R06": "returned per ODFI's request",
        "R07": "authorization revoked by customer",
        "R08": "payment stopped",
        "R09": "uncollected funds",
        "R10": "customer advises originator is not known or not authorized",
        "R11": "customer advises entry not in accordance with the terms of the authorization",
        "R12": "account sold to another DFI",
        "R13": "invalid ACH routing number",
        "R14": "representative payee deceased or unable to continue in that capacity",
        "R15": "beneficiary or account holder deceased",
        "R16": "account frozen / entry returned per OFAC instruction",
        "R17": "entry with invalid account number initiated under questionable circumstances",
        "R18": "improper effective entry date",
        "R19": "amount field error",
        "R20": "non-transaction account",
        "R21": "invalid company identification",
        "R22": "invalid individual ID number",
        "R23": "credit entry refused by receiver",
        "R24": "duplicate entry",
        "R25": "addenda error",
        "R26": "mandatory field error",
        "R27": "trace number error",
        "R28": "routing number check digit error",
        "R29": "corporate customer advises not authorized",
        "R30": "RDFI not participant in check truncation program",
        "R31": "permissible return entry (CCD and CTX only)",
        "R32": "RDFI non-settlement",
        "R33": "return of XCK entry",
        "R34": "limited participation DFI",
        "R35": "return of improper debit entry",
        "R36": "return of improper credit entry",
        "R37": "source document presented for payment",
        "R38": "stop payment on source document",
        "R39": "improper source document / source document presented for payment",
        "R40": "return of ENR entry by federal government agency",
        "R41": "invalid transaction code (ENR)",
        "R42": "routing number / check digit error (ENR)",
        "R43": "invalid DFI account number (ENR)",
        "R44": "invalid individual ID number / identification number (ENR)",
        "R45": "invalid individual name / company name (ENR)",
        "R46": "invalid representative payee indicator (ENR)",
        "R47": "duplicate enrollment (ENR)",
        "R50": "state law affecting RCK acceptance",
        "R51": "item related to RCK entry is ineligible or RCK entry is improper",
        "R52": "stop payment on item related to RCK entry",
        "R53": "item and RCK entry presented for payment",
        "R61": "misrouted return",
        "R62": "return of erroneous or reversing debit",
        "R67": "duplicate return",
        "R68": "untimely return",
        "R69": "field error(s)",
        "R70": "permissible return entry not accepted / return not requested by ODFI",
        "R71": "misrouted dishonored return",
        "R72": "untimely dishonored return",
        "R73": "timely original return",
        "R74": "corrected return",
        "R75": "return not a duplicate",
        "R76": "no errors found",
        "R77": "non-acceptance of R62 dishonored return",
        "R80": "IAT entry coding error",
        "R81": "non-participant in IAT program",
        "R82": "invalid foreign receiving DFI identification",
        "R83": "foreign receiving DFI unable to settle",
        "R84": "entry not processed by gateway",
        "R85": "incorrectly coded outbound international payment",
    ]
}

/// How long after settlement a return of this kind may still arrive.
public enum ReturnTimeframe: Sendable, Hashable {
    case bankingDays(Int)
    case calendarDays(Int)

    /// The last day a return may arrive for an entry settled on `settlement`.
    public func deadline(afterSettlementOn settlement: CalendarDate, calendar: BankingCalendar = .federalReserve) -> CalendarDate {
        switch self {
        case .bankingDays(let days): calendar.addingBankingDays(days, to: settlement)
        case .calendarDays(let days): settlement.adding(days: days)
        }
    }
}
