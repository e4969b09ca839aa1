/// The collector's pure decision for one due installment, in the order that gives the most useful
/// failure: policy state, currency, payment method (shape, routing checksum), routing, compliance,
/// then the NACHA checks for ACH. Nothing here touches a rail.
public enum CollectionPlanner {
    public static func plan(_ request: CollectionRequest, routing: RoutingTable, compliance: ComplianceRules) -> Result<CollectionPlan, CollectionRefusal> {
        guard !request.policyCancelled else { return .failure(CollectionRefusal(failure: .policyCancelled)) }
        guard Currency(rawValue: request.currency) != nil else {
            return .failure(CollectionRefusal(failure: .unsupportedCurrency(request.currency)))
        }
        guard let methodJSON = request.paymentMethod, methodJSON != .null else {
            return .failure(CollectionRefusal(failure: .missingPaymentMethod))
        }
        let method: PaymentMethod
        do { method = try PaymentMethod(json: methodJSON) } catch {
            return .failure(CollectionRefusal(failure: error.collectionFailure, detail: error.description))
        }

        let decision = routing.decide(RoutingRequest(
            paymentMethod: method, state: request.state, lineOfBusiness: request.lineOfBusiness,
            amount: request.amount, installmentID: request.installmentID
        ))
        let route: Route
        switch decision.outcome {
        case .refused(let failure, let reason):
            return .failure(CollectionRefusal(failure: failure, detail: reason, routingRules: decision.firedRules))
        case .routed(let routed):
            route = routed
        }

        let check = compliance.check(
            state: request.state, paymentMethod: method, secCode: route.secCode,
            amount: request.amount, requestedCardFee: request.requestedCardFee
        )
        if case .ach(let account) = method,
           let failure = ACHDebitChecks.failures(account, required: check.requiredAuthorization, accountValidated: request.accountValidated).first {
            return .failure(CollectionRefusal(failure: failure, routingRules: decision.firedRules, complianceRules: check.firedRules))
        }
        return .success(CollectionPlan(
            paymentMethod: method, route: route, amount: request.amount, fee: check.allowedFee,
            routingRules: decision.firedRules, complianceRules: check.firedRules
        ))
    }
}
