/// Everything the collector knows about an installment that is due, before any I/O with a rail.
public struct CollectionRequest: Sendable, Hashable {
    public var installmentID: String
    /// The policy's `payment_method` object as stored; nil when none is on file.
    public var paymentMethod: JSONValue?
    public var currency: String
    public var state: String
    public var lineOfBusiness: String
    public var amount: Money
    public var policyCancelled: Bool
    /// The card convenience fee the operator would add; compliance may lower it to zero.
    public var requestedCardFee: Money
    /// Whether the bank account passed validation (required before the first WEB debit).
    public var accountValidated: Bool

    public init(
        installmentID: String, paymentMethod: JSONValue?, currency: String, state: String, lineOfBusiness: String,
        amount: Money, policyCancelled: Bool, requestedCardFee: Money = .zero, accountValidated: Bool = false
    ) {
        self.installmentID = installmentID
        self.paymentMethod = paymentMethod
        self.currency = currency
        self.state = state
        self.lineOfBusiness = lineOfBusiness
        self.amount = amount
        self.policyCancelled = policyCancelled
        self.requestedCardFee = requestedCardFee
        self.accountValidated = accountValidated
    }
}

/// A collection that may go ahead: where it goes, what it charges and why.
public struct CollectionPlan: Sendable, Hashable {
    public var paymentMethod: PaymentMethod
    public var route: Route
    public var amount: Money
    public var fee: Money
    public var routingRules: [String]
    public var complianceRules: [FiredComplianceRule]

    /// What the payer is charged: the installment plus the allowed fee.
    public var total: Money { amount + fee }
}

/// A collection that must not go ahead, with every rule that led there.
public struct CollectionRefusal: Error, Sendable, Hashable {
    public var failure: CollectionFailure
    public var detail: String
    public var routingRules: [String]
    public var complianceRules: [FiredComplianceRule]

    public init(failure: CollectionFailure, detail: String? = nil, routingRules: [String] = [], complianceRules: [FiredComplianceRule] = []) {
        self.failure = failure
        self.detail = detail ?? failure.message
        self.routingRules = routingRules
        self.complianceRules = complianceRules
    }
}
