/// One row of the routing table: when every stated condition matches, its action applies.
/// Rules are tried in ascending `priority`.
public struct RoutingRule: Sendable, Hashable {
    public var priority: Int
    public var name: String
    public var description: String?
    public var conditions: RoutingConditions
    public var action: RoutingAction

    public init(priority: Int, name: String, description: String? = nil, conditions: RoutingConditions, action: RoutingAction) {
        self.priority = priority
        self.name = name
        self.description = description
        self.conditions = conditions
        self.action = action
    }
}

/// Conditions left nil match anything. Lists match any of their members; amounts are inclusive.
public struct RoutingConditions: Sendable, Hashable {
    public var paymentMethods: Set<PaymentRail>?
    /// Upper-case two-letter codes.
    public var states: Set<String>?
    /// Lower-case line-of-business names.
    public var linesOfBusiness: Set<String>?
    /// A holder condition never matches a card: cards have no holder type.
    public var holders: Set<AccountHolder>?
    public var cardBrands: Set<String>?
    public var minAmount: Money?
    public var maxAmount: Money?

    public init(
        paymentMethods: Set<PaymentRail>? = nil, states: Set<String>? = nil, linesOfBusiness: Set<String>? = nil,
        holders: Set<AccountHolder>? = nil, cardBrands: Set<String>? = nil, minAmount: Money? = nil, maxAmount: Money? = nil
    ) {
        self.paymentMethods = paymentMethods
        self.states = states.map { Set($0.map { $0.uppercased() }) }
        self.linesOfBusiness = linesOfBusiness.map { Set($0.map { $0.lowercased() }) }
        self.holders = holders
        self.cardBrands = cardBrands.map { Set($0.map { $0.lowercased() }) }
        self.minAmount = minAmount
        self.maxAmount = maxAmount
    }

    public func matches(_ request: RoutingRequest) -> Bool {
        if let paymentMethods, !paymentMethods.contains(request.paymentMethod.rail) { return false }
        if let states, !states.contains(request.state.uppercased()) { return false }
        if let linesOfBusiness, !linesOfBusiness.contains(request.lineOfBusiness.lowercased()) { return false }
        if let holders {
            guard case .ach(let ach) = request.paymentMethod, holders.contains(ach.holder) else { return false }
        }
        if let cardBrands {
            guard case .card(let card) = request.paymentMethod, cardBrands.contains(card.brand.name) else { return false }
        }
        if let minAmount, request.amount < minAmount { return false }
        if let maxAmount, request.amount > maxAmount { return false }
        return true
    }
}

/// A rule either refuses the payment outright or settles some of rail, processors and SEC code;
/// the first rule (by priority) to settle each of them wins it.
public enum RoutingAction: Sendable, Hashable {
    case refuse(CollectionFailure, reason: String)
    case route(rail: PaymentRail?, split: ProcessorSplit?, secCode: SECCodeChoice?)
}

public enum SECCodeChoice: Sendable, Hashable {
    case fixed(SECCode)
    /// CCD for a business holder, else PPD / WEB / TEL by the authorization's method.
    case fromAuthorization
}
