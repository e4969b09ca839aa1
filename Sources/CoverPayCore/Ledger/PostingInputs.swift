/// What accounting-sync knows of an installment: its premium / fee / tax split, from `installment.due`.
public struct InstallmentSplit: Sendable, Hashable {
    public var premium: Money
    public var fee: Money
    public var tax: Money

    public init(premium: Money, fee: Money, tax: Money) {
        self.premium = premium
        self.fee = fee
        self.tax = tax
    }

    public var total: Money { premium + fee + tax }
}

/// What accounting-sync keeps of a policy (from `policy.issued`): whose premium it is and the agency's cut.
public struct PolicyTerms: Sendable, Hashable {
    public var carrierID: String
    public var commissionRate: CommissionRate

    public init(carrierID: String, commissionRate: CommissionRate) {
        self.carrierID = carrierID
        self.commissionRate = commissionRate
    }
}

extension PaymentRail {
    /// Where collected money waits until it reaches the trust account.
    public var clearingAccount: String { self == .card ? LedgerAccount.cardClearing : LedgerAccount.achInTransit }
}

/// The amounts a collection posted, kept per payment (`accounting.payments`) so that settlement
/// recognises exactly what was held pending and a return reverses exactly what was posted.
public struct CollectedPayment: Sendable, Hashable {
    public var rail: PaymentRail
    public var carrierID: String
    public var total: Money
    public var carrierNet: Money
    public var tax: Money
    public var commission: Money
    /// Installment fee plus card surcharge: income once final (4020).
    public var fees: Money
    /// Return fees collected with this payment: income once final (4030).
    public var returnFees: Money

    public init(rail: PaymentRail, carrierID: String, total: Money, carrierNet: Money, tax: Money, commission: Money, fees: Money, returnFees: Money) {
        self.rail = rail
        self.carrierID = carrierID
        self.total = total
        self.carrierNet = carrierNet
        self.tax = tax
        self.commission = commission
        self.fees = fees
        self.returnFees = returnFees
    }
}
