/// Why each Nacha return code leads to its `ACHReturnPolicy.Rule`: the table the retrier decides
/// from (docs/retrier.md lists it). Grouped by what the return says about the receiver's account
/// or authorization; every defined code R01–R85 belongs to exactly one group.
public enum ACHReturnCategory: String, Sendable, Hashable, CaseIterable {
    /// R01, R09: the account is fine but short of (collected) funds; Nacha §2.12.4 allows two
    /// reinitiations within 180 days of the original settlement.
    case insufficientFunds = "insufficient_funds"
    /// R08: the receiver stopped this payment; Nacha §2.12.4 allows reinitiation only after the
    /// receiver authorizes it again.
    case stoppedPayment = "stopped_payment"
    /// The receiver revoked or disputes the authorization (R05, R07, R10, R11, R29, R31, R37, R38, R51,
    /// R52, R53): reinitiating is forbidden; only a new authorization (a new payment method) helps.
    case unauthorized
    /// The account cannot take a debit (closed, missing, frozen, holder deceased, wrong routing…):
    /// presenting it again would fail the same way; a new payment method is needed.
    case accountUnusable = "account_unusable"
    /// The entry as originated was wrong (dates, amounts, identifiers, a duplicate, ODFI's own
    /// request): sending it again unchanged repeats the error; a corrected entry is a new entry an
    /// operator originates, never an automatic reinitiation (Nacha §2.12.4 excludes them).
    case entryError = "entry_error"
    /// Codes for entries CoverPay never originates (credits, XCK, ENR, RCK, IAT) and the dishonored
    /// / contested return codes exchanged between DFIs: if one arrives, an operator looks at it.
    case notApplicable = "not_applicable"

    public var rule: ACHReturnPolicy.Rule {
        switch self {
        case .insufficientFunds: .reinitiate
        case .stoppedPayment: .afterNewAuthorization
        case .unauthorized, .accountUnusable, .entryError, .notApplicable: .never
        }
    }

    /// The reason recorded with every decision taken from this category.
    public var why: String {
        switch self {
        case .insufficientFunds: "funds may be available later; Nacha §2.12.4 allows at most two reinitiations within 180 days of the original settlement"
        case .stoppedPayment: "the receiver stopped the payment; Nacha §2.12.4 allows reinitiation only after a new authorization"
        case .unauthorized: "the receiver revoked or disputes the authorization; reinitiation is forbidden without a new authorization"
        case .accountUnusable: "the account cannot be debited; presenting it again would fail the same way, a new payment method is needed"
        case .entryError: "the entry itself was wrong; a corrected entry is a new origination an operator decides, never a reinitiation"
        case .notApplicable: "the code does not apply to the debits CoverPay originates; an operator reviews it"
        }
    }

    public static func of(_ code: ACHReturnCode) -> ACHReturnCategory {
        members.first { $0.value.contains(code.rawValue) }?.key ?? .notApplicable
    }

    static let members: [ACHReturnCategory: Set<String>] = [
        .insufficientFunds: ["R01", "R09"],
        .stoppedPayment: ["R08"],
        .unauthorized: ["R05", "R07", "R10", "R11", "R29", "R31", "R37", "R38", "R51", "R52", "R53"],
        .accountUnusable: ["R02", "R03", "R04", "R12", "R13", "R14", "R15", "R16", "R17", "R20", "R28", "R34"],
        .entryError: ["R06", "R18", "R19", "R21", "R22", "R24", "R25", "R26", "R27", "R39"],
        .notApplicable: [
            "R23", "R30", "R32", "R33", "R35", "R36", "R40", "R41", "R42", "R43", "R44", "R45", "R46", "R47", "R50",
            "R61", "R62", "R67", "R68", "R69", "R70", "R71", "R72", "R73", "R74", "R75", "R76", "R77",
            "R80", "R81", "R82", "R83", "R84", "R85",
        ],
    ]
}
