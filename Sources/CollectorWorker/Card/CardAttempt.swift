import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Charges a card for one attempt, so that whatever crashes or redeliveries happen the processor
/// is asked to charge at most once per attempt (docs/collection.md, "Exactly one charge"):
///
/// 1. The claim — the `pending` row with its idempotency key, `payment.routed` and
///    `payment.attempted` — commits on its own connection before the processor is called, so a
///    charge can never be made that the database does not know of.
/// 2. The processor is called with the key while the message's transaction holds the
///    installment lock.
/// 3. The outcome, `payment.succeeded` / `payment.failed` and the inbox record commit together.
///
/// A `pending` or `unknown` attempt found later (redelivery after a crash, or the status job) is
/// settled by a status query with the same key; only when the processor has no record of the key
/// is the charge sent, again with the same key.
struct CardAttempt {
    let processors: CardProcessors
    let claims: ConnectionPool
    let settings: CollectorSettings

    func start(_ payment: PaymentRecord, card: CardPaymentMethod, context: HandlerContext, messageID: String) throws {
        guard let processor = processors[payment.processor ?? ""] else {
            throw HandlerError.rejected(reason: "no_processor", detail: "no card processor adapter named '\(payment.processor ?? "-")'")
        }
        let claimed = try claims.withConnection(url: settings.databaseURL) { side in
            try side.transaction { side in
                guard try PaymentStore.insert(payment, side) else { return false }
                let events = PaymentEvents(database: side, traceID: context.traceID)
                try events.routed(payment)
                try events.attempted(payment)
                return true
            }
        }
        guard claimed else {
            // Claimed by an earlier delivery whose transaction did not commit: settle that attempt.
            guard let existing = try PaymentStore.attempts(policyID: payment.policyID, entryNumber: payment.entryNumber, context.database)
                .first(where: { $0.attempt == payment.attempt }) else { return }
            return try resolve(existing, context: context)
        }
        let result = charge(payment, card: card, processor: processor, logger: context.logger)
        FaultInjection.crashIfArmed("after_charge", messageID: messageID)
        try record(result, of: payment, context: context)
    }

    /// Settles an attempt left `pending` or `unknown` by asking the processor what became of its key.
    func resolve(_ payment: PaymentRecord, context: HandlerContext) throws {
        guard payment.status == .pending || payment.status == .unknown else { return }
        guard let processor = processors[payment.processor ?? ""], let key = payment.idempotencyKey else {
            throw HandlerError.rejected(reason: "no_processor", detail: "attempt \(payment.paymentID) names no usable processor or key")
        }
        let result: CardChargeResult
        switch try processor.status(idempotencyKey: key) {
        case .approved(let reference): result = .approved(reference: reference)
        case .declined(let code, let reference): result = .declined(code: code, reference: reference)
        case .notFound:
            // The charge never reached the processor: send it now, under the same key.
            guard let card = payment.card else { return }
            result = charge(payment, card: card, processor: processor, logger: context.logger)
        }
        context.logger.info("card attempt resolved by status query", metadata: ["payment_id": "\(payment.paymentID)"])
        try record(result, of: payment, context: context)
    }

    private func charge(_ payment: PaymentRecord, card: CardPaymentMethod, processor: any CardProcessor, logger: Logger) -> CardChargeResult {
        let request = CardChargeRequest(
            idempotencyKey: payment.idempotencyKey ?? payment.paymentID, token: card.token, brand: card.brand,
            amount: payment.total, currency: payment.currency, attempt: payment.attempt
        )
        do {
            return try processor.charge(request)
        } catch {
            // Whether it arrived is unknown: the status query decides, never a second charge.
            logger.warning("card processor call failed", metadata: ["processor": "\(processor.name)", "error": "\(error)"])
            return .noAnswer("\(error)")
        }
    }

    private func record(_ result: CardChargeResult, of payment: PaymentRecord, context: HandlerContext) throws {
        let events = PaymentEvents(database: context.database, traceID: context.traceID)
        switch result {
        case .approved(let reference):
            guard try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .succeeded, reference: reference, failure: nil, context.database)
            else { return }
            try events.succeeded(payment, reference: reference)
        case .declined(let code, let reference):
            let failure = DeclineClassifier.failure(for: CardDecline(code: code, brand: payment.card?.brand ?? .other("unknown")))
            guard try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .failed, reference: reference, failure: failure, context.database)
            else { return }
            try events.failed(payment, failure)
        case .noAnswer(let detail):
            _ = try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .unknown, reference: nil, failure: nil, context.database)
            context.logger.warning("card outcome unknown; a status query will settle it", metadata: [
                "payment_id": "\(payment.paymentID)", "detail": "\(detail)",
            ])
        }
    }
}
