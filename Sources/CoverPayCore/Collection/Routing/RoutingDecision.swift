/// The routing table's answer and every rule that contributed to it, in priority order.
public struct RoutingDecision: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case routed(Route)
        /// `reason` is the refusing rule's own explanation (or the table's, when no rule fits).
        case refused(CollectionFailure, reason: String)
    }

    public var outcome: Outcome
    public var firedRules: [String]

    public var route: Route? {
        if case .routed(let route) = outcome { return route }
        return nil
    }

    public var refusal: CollectionFailure? {
        if case .refused(let failure, _) = outcome { return failure }
        return nil
    }
}

/// Where an installment goes: the rail, the processor (or ODFI bank) and, for ACH, the SEC code.
public struct Route: Sendable, Hashable {
    public var rail: PaymentRail
    public var processor: String
    /// Always set for ACH, nil for cards.
    public var secCode: SECCode?

    public init(rail: PaymentRail, processor: String, secCode: SECCode?) {
        self.rail = rail
        self.processor = processor
        self.secCode = secCode
    }
}
