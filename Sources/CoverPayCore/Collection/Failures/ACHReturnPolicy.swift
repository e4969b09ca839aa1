/// What may happen after an ACH return (DESIGN §6; NACHA Operating Rules §2.12.4 reinitiation):
/// R01/R09 may be reinitiated at most twice (three presentments in all) within 180 days of the
/// original entry's settlement, under the description "RETRY PYMT"; R08 only once the receiver has
/// given a new authorization; everything else (R02, R03, R04, R07, R10, R16, R29 and any other
/// code) never automatically.
public enum ACHReturnPolicy {
    public enum Rule: Sendable, Hashable {
        case reinitiate
        case afterNewAuthorization
        case never
    }

    public enum Decision: Sendable, Hashable {
        /// Send the debit again under `NACHABatchDescriptor.reinitiated` ("RETRY PYMT").
        case reinitiate
        case refuse(reason: String)
    }

    public static let maximumPresentments = 3
    public static let reinitiationWindowDays = 180

    /// The rule of the code's category (`ACHReturnCategory`, which also says why).
    public static func rule(for code: ACHReturnCode) -> Rule {
        ACHReturnCategory.of(code).rule
    }

    /// A return fee may be charged only for insufficient or uncollected funds.
    public static func returnFeeAllowed(for code: ACHReturnCode) -> Bool {
        rule(for: code) == .reinitiate
    }

    /// - Parameters:
    ///   - presentments: how many times the entry has been presented so far, the original included.
    ///   - originalSettlement: settlement date of the original (first) presentment.
    ///   - newAuthorizationOnFile: the receiver re-authorized after a stop payment (R08).
    public static func decide(
        code: ACHReturnCode, presentments: Int, originalSettlement: CalendarDate, today: CalendarDate, newAuthorizationOnFile: Bool
    ) -> Decision {
        switch rule(for: code) {
        case .never:
            return .refuse(reason: "\(code.rawValue) (\(code.reason)) is never reinitiated")
        case .afterNewAuthorization where !newAuthorizationOnFile:
            return .refuse(reason: "\(code.rawValue) is reinitiated only after a new authorization")
        case .reinitiate, .afterNewAuthorization:
            guard presentments < maximumPresentments else {
                return .refuse(reason: "already presented \(presentments) times; NACHA allows at most \(maximumPresentments)")
            }
            guard originalSettlement.days(until: today) <= reinitiationWindowDays else {
                return .refuse(reason: "more than \(reinitiationWindowDays) days after the original entry settled")
            }
            return .reinitiate
        }
    }
}
