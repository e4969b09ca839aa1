/// The routing table: rules tried in ascending priority. A matching `refuse` rule ends the
/// decision; otherwise each matching rule settles whatever of rail, processors and SEC code no
/// earlier rule settled, until all are known. Rail defaults to the payment method's own rail and
/// the SEC code to the one the authorization implies.
public struct RoutingTable: Sendable, Hashable {
    /// Sorted by priority; names and priorities are unique.
    public let rules: [RoutingRule]

    public init(rules: [RoutingRule]) throws(RoutingTableError) {
        var names = Set<String>()
        var priorities = Set<Int>()
        for rule in rules {
            guard names.insert(rule.name).inserted else { throw .invalidRule(rule.name, "the name is used twice") }
            guard priorities.insert(rule.priority).inserted else { throw .invalidRule(rule.name, "priority \(rule.priority) is used twice") }
            try RoutingTable.validate(rule)
        }
        self.rules = rules.sorted { $0.priority < $1.priority }
    }

    public func decide(_ request: RoutingRequest) -> RoutingDecision {
        var fired: [String] = []
        var rail: PaymentRail?
        var split: ProcessorSplit?
        var secChoice: SECCodeChoice?
        for rule in rules where rule.conditions.matches(request) {
            switch rule.action {
            case .refuse(let failure, let reason):
                return RoutingDecision(outcome: .refused(failure, reason: reason), firedRules: fired + [rule.name])
            case .route(let ruleRail, let ruleSplit, let ruleSEC):
                var contributed = false
                if rail == nil, let ruleRail { rail = ruleRail; contributed = true }
                if split == nil, let ruleSplit { split = ruleSplit; contributed = true }
                if secChoice == nil, let ruleSEC { secChoice = ruleSEC; contributed = true }
                if contributed { fired.append(rule.name) }
                // A rule forced a rail the payment method on file cannot use (e.g. ACH above an amount).
                if let rail, rail != request.paymentMethod.rail { return RoutingTable.railMismatch(rail, fired: fired) }
            }
            // Complete once a processor is known and, for ACH, the SEC code; rail defaults to the method's own.
            if split != nil, secChoice != nil || request.paymentMethod.rail == .card { break }
        }
        return RoutingTable.route(request, split: split, secChoice: secChoice, fired: fired)
    }

    private static func railMismatch(_ rail: PaymentRail, fired: [String]) -> RoutingDecision {
        let (failure, reason): (CollectionFailure, String) = rail == .ach
            ? (.achRequired, "the routing rules require ACH but the payment method on file is a card")
            : (.paymentMethodRefused, "the routing rules require a card but the payment method on file is a bank account")
        return RoutingDecision(outcome: .refused(failure, reason: reason), firedRules: fired)
    }

    /// The rail is the payment method's own here: a rule that forced another one refused already.
    private static func route(_ request: RoutingRequest, split: ProcessorSplit?, secChoice: SECCodeChoice?, fired: [String]) -> RoutingDecision {
        func refused(_ failure: CollectionFailure, _ reason: String) -> RoutingDecision {
            RoutingDecision(outcome: .refused(failure, reason: reason), firedRules: fired)
        }
        guard let split else { return refused(.noRoute, "no routing rule names a processor for this payment") }
        let processor = split.processor(for: request.installmentID)
        guard case .ach(let ach) = request.paymentMethod else {
            return RoutingDecision(outcome: .routed(Route(rail: .card, processor: processor, secCode: nil)), firedRules: fired)
        }
        let secCode: SECCode? = switch secChoice ?? .fromAuthorization {
        case .fixed(let code): code
        case .fromAuthorization: SECCode.implied(holder: ach.holder, authorization: ach.authorization)
        }
        guard let secCode else { return refused(.missingAuthorization, "no authorization on file to choose the SEC code from") }
        return RoutingDecision(outcome: .routed(Route(rail: .ach, processor: processor, secCode: secCode)), firedRules: fired)
    }

    private static func validate(_ rule: RoutingRule) throws(RoutingTableError) {
        if let min = rule.conditions.minAmount, let max = rule.conditions.maxAmount, min > max {
            throw .invalidRule(rule.name, "min_amount is above max_amount")
        }
        guard case .route(let rail, let split, let secCode) = rule.action else { return }
        guard rail != nil || split != nil || secCode != nil else { throw .invalidRule(rule.name, "the action neither refuses nor routes") }
        if let split {
            guard !split.shares.isEmpty else { throw .invalidRule(rule.name, "processors is empty") }
            guard split.shares.allSatisfy({ $0.weight > 0 && !$0.processor.isEmpty }) else {
                throw .invalidRule(rule.name, "every processor needs a name and a positive weight")
            }
        }
    }
}

public enum RoutingTableError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDocument(String)
    case invalidRule(String, String)

    public var description: String {
        switch self {
        case .invalidDocument(let detail): "invalid routing table: \(detail)"
        case .invalidRule(let name, let detail): "invalid routing rule '\(name)': \(detail)"
        }
    }
}
