import CoverPayCore
import Fleet

/// Keeps the collector's copy of each policy: payment method (account number sealed), state, line
/// of business, and whether it is cancelled.
struct PolicyEventHandler: EventHandler {
    var queue: QueueDefinition { CollectorWorker.policiesQueue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        let settings = try CollectorSettings.load()
        guard let policyID = event.policyID else {
            throw HandlerError.rejected(reason: "missing_field", detail: "the event has neither subject nor data.policy_id")
        }
        let data = event.data
        func sealed(_ method: JSONValue?) throws -> SealedPaymentMethod? {
            guard let method, method != .null else { return nil }
            return try SealedPaymentMethod(sealing: method, with: settings.encryption)
        }
        switch event.type {
        case "coverpay.policy.issued":
            try CollectorPolicyStore.applyIssuance(
                policyID: policyID, policyNumber: data["policy_number"]?.stringValue ?? policyID,
                state: data["state"]?.stringValue ?? "", lineOfBusiness: data["line_of_business"]?.stringValue ?? "",
                sequence: data["sequence"]?.intValue ?? 1, paymentMethod: try sealed(data["payment_method"]), context.database
            )
        case "coverpay.payment_method.updated":
            guard let method = try sealed(data["payment_method"]) else {
                throw HandlerError.rejected(reason: "missing_field", detail: "data.payment_method is missing")
            }
            try CollectorPolicyStore.applyPaymentMethod(policyID: policyID, method, context.database)
        case "coverpay.policy.cancelled", "coverpay.policy.reinstated":
            try CollectorPolicyStore.applyStatus(
                policyID: policyID, cancelled: event.type == "coverpay.policy.cancelled",
                sequence: data["sequence"]?.intValue ?? 0, context.database
            )
        default:
            throw HandlerError.rejected(reason: "unknown_type", detail: "the collector's policy queue does not handle '\(event.type)'")
        }
    }
}
