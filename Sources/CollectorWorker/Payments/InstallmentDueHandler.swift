import CoverPayCore
import Fleet
import Foundation

/// Collects one due installment: checks what earlier deliveries did, plans (routing, compliance,
/// ACH checks), and then refuses with `payment.failed`, claims the card attempt, or queues the ACH debit.
/// Every decision publishes `payment.routed` naming the rules that fired.
/// A card attempt is only claimed here; the replica's `CardDispatcher` sends it (`CardAttempt`).
struct InstallmentDueHandler: EventHandler {
    let cards: CardAttempt
    let dispatcher: CardDispatcher?

    var queue: QueueDefinition { CollectorWorker.installmentsQueue }

    func handle(_ event: CloudEvent, context: HandlerContext) throws {
        let settings = try CollectorSettings.load()
        let due = try InstallmentDue(event: event)
        try InstallmentLock.acquire(policyID: due.policyID, entryNumber: due.entryNumber, context.database)
        let attempts = try PaymentStore.attempts(policyID: due.policyID, entryNumber: due.entryNumber, context.database)
        if let same = attempts.first(where: { $0.attempt == due.attempt }) {
            // A redelivery, or a delivery whose first try crashed mid-attempt: an open card attempt
            // is the dispatcher's to settle.
            if same.rail == .card && (same.status == .pending || same.status == .unknown) { dispatcher?.wake() }
            return
        }
        if let blocking = attempts.first(where: { $0.status.blocksNewAttempt }) {
            return context.logger.info("installment already collected or in flight; nothing to do", metadata: [
                "payment_id": "\(blocking.paymentID)", "status": "\(blocking.status.rawValue)",
            ])
        }
        guard let policy = try CollectorPolicyStore.load(due.policyID, context.database) else {
            // The issuance may still be on its way (another queue): retried, then dead-lettered.
            throw HandlerError.transient("policy '\(due.policyID)' is unknown to the collector: its coverpay.policy.issued has not arrived")
        }
        let request = CollectionRequest(
            installmentID: due.installmentID, paymentMethod: try policy.paymentMethod?.unsealed(with: settings.encryption),
            currency: due.currency, state: due.state ?? policy.state ?? "", lineOfBusiness: due.lineOfBusiness ?? policy.lineOfBusiness ?? "",
            amount: due.amount, policyCancelled: policy.cancelled && !due.isEarnedPremiumOfCancellation, accountValidated: policy.accountValidated
        )
        let routing = try RoutingRuleStore.table(context.database, seedFrom: RoutingRuleStore.defaultFile(schemasDirectory: settings.schemasDirectory))
        var payment = PaymentRecord(
            paymentID: UUID().uuidString.lowercased(), policyID: due.policyID, entryNumber: due.entryNumber, attempt: due.attempt,
            messageID: event.id, rail: nil, processor: nil, amount: due.amount, fee: .zero, currency: due.currency, status: .pending,
            idempotencyKey: nil, paymentMethod: policy.maskedPaymentMethod, decision: .null, traceID: context.traceID
        )
        switch CollectionPlanner.plan(request, routing: routing, compliance: try ComplianceRuleFile.cached.get()) {
        case .failure(let refusal):
            payment.rail = policy.maskedPaymentMethod?["type"]?.stringValue.flatMap(PaymentRail.init(rawValue:))
            payment.status = .failed
            payment.decision = RoutingDecisionJSON.refused(refusal)
            guard try PaymentStore.insert(payment, failure: refusal.failure, context.database) else { return }
            let events = PaymentEvents(database: context.database, traceID: context.traceID)
            try events.routed(payment)
            try events.failed(payment, refusal.failure)
            context.logger.info("collection refused", metadata: ["failure_code": "\(refusal.failure.code)", "payment_id": "\(payment.paymentID)"])
        case .success(let plan):
            payment.rail = plan.route.rail
            payment.processor = plan.route.processor
            payment.fee = plan.fee
            payment.paymentMethod = plan.paymentMethod.masked
            payment.decision = RoutingDecisionJSON.routed(plan)
            switch plan.paymentMethod {
            case .card:
                payment.idempotencyKey = due.idempotencyKey
                if try cards.claim(payment, context: context) { dispatcher?.wake() }
            case .ach(let account):
                try ACHAttempt.queue(
                    payment, account: account, secCode: plan.route.secCode ?? .ppd, scheduleDate: due.scheduleDate,
                    policyNumber: due.policyNumber ?? policy.policyNumber ?? due.policyID, context: context, settings: settings
                )
            }
        }
    }
}
