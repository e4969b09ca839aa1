/// A NACHA return reason code, `R` and two digits (R01 insufficient funds, R29 corporate not
/// authorized, …). Codes outside the table below are still accepted: the bank is the authority.
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

    private static let reasons: [String: String] = [
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
        "R14": "representative payee deceased",
        "R15": "beneficiary or account holder deceased",
        "R16": "account frozen / entry returned per OFAC instruction",
        "R17": "entry with invalid account number initiated under questionable circumstances",
        "R20": "non-transaction account",
        "R23": "credit entry refused by receiver",
        "R24": "duplicate entry",
        "R29": "corporate customer advises not authorized",
        "R31": "permissible return entry (CCD and CTX only)",
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
