/// What the routing table decides on: one installment about to be collected.
public struct RoutingRequest: Sendable, Hashable {
    public var paymentMethod: PaymentMethod
    /// Two-letter US jurisdiction of the policy.
    public var state: String
    public var lineOfBusiness: String
    public var amount: Money
    /// Seeds the weighted processor split, so that a redelivery or a retry of the same installment
    /// lands on the same processor.
    public var installmentID: String

    public init(paymentMethod: PaymentMethod, state: String, lineOfBusiness: String, amount: Money, installmentID: String) {
        self.paymentMethod = paymentMethod
        self.state = state
        self.lineOfBusiness = lineOfBusiness
        self.amount = amount
        self.installmentID = installmentID
    }
}
