/// What compliance allows for one collection attempt.
public struct ComplianceCheck: Sendable, Hashable {
    /// The card fee that may be added: zero where surcharges are banned, on debit, prepaid or
    /// unknown-funding cards, and on ACH; otherwise the requested fee capped by the state's limit.
    public var allowedFee: Money
    public var requiredAuthorization: RequiredAuthorization
    public var firedRules: [FiredComplianceRule]
}

/// What must be on file before the debit may be sent.
public struct RequiredAuthorization: Sendable, Hashable {
    /// An ACH debit needs the account holder's authorization (NACHA; Regulation E for consumers).
    public var authorizationOnFile: Bool
    /// A WEB debit needs an account validated before its first use (NACHA WEB debit account validation).
    public var validatedAccount: Bool

    public static let none = RequiredAuthorization(authorizationOnFile: false, validatedAccount: false)

    public init(authorizationOnFile: Bool, validatedAccount: Bool) {
        self.authorizationOnFile = authorizationOnFile
        self.validatedAccount = validatedAccount
    }
}
