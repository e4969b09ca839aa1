import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Charges a card for one attempt so that, whatever crashes or redeliveries happen, the processor
/// is asked to charge at most once per attempt — and no transaction or row lock is held while it
/// answers, so a replica keeps many requests in flight (docs/collection.md, "Exactly one charge"):
///
/// 1. **Claim** (`claim`, in the `installment.due` handler): the `pending` row with its
///    idempotency key, `payment.routed` and `payment.attempted` commit with the message's inbox
///    row (the runtime commits a batch of messages at once). Nothing is sent yet.
/// 2. **Take** (`CardDispatcher`): the replica's dispatcher takes the installment's advisory lock on
///    its own session (not in a transaction), reads the row again, and commits `sent_at` for the
///    whole batch taken — before any request goes out.
/// 3. **Call** (`send`, on a dispatcher thread, outside any transaction): an attempt never sent is
///    charged with its key; one sent before is asked for the key's status, and charged (same key)
///    only if the processor never received it.
/// 4. **Record** (`record`, in one transaction per batch of finished calls): the outcome and
///    `payment.succeeded` / `payment.failed`, conditional on the row still being `pending` /
///    `unknown`, so only one recorder ever emits them; then the dispatcher releases the lock.
///
/// What a crash (`kill -9`, lost connection) between two steps leaves:
/// - before 1 commits: nothing; the message is redelivered and claims again.
/// - after 1, before 2 commits: a `pending` row never sent; any replica's dispatcher takes it as in (2).
/// - after 2, before 3 answered, or after 3, before 4 commits: a `pending` row with `sent_at` and no
///   lock holder; `COVERPAY_CARD_RESOLVE_AFTER_MS` after `sent_at` a dispatcher takes it and asks
///   for the key's status: the charge's outcome if it arrived, else it is sent now under the same key.
/// - after 4 commits, before the lock is released: nothing open; the lock goes with the connection.
/// A call that answers nothing (`tok_timeout`, an exception) records `unknown`, settled by (3)
/// later. Only a request whose dispatcher lost its database session mid-call (the database
/// restarted) and that takes longer than the resolve delay can meet a status query for the same
/// key: the processor then answers the second request from the first charge (idempotency key).
struct CardAttempt {
    let processors: CardProcessors

    /// Step 1, in the handler's transaction. False when the attempt already exists (a redelivery):
    /// the dispatcher settles it.
    @discardableResult
    func claim(_ payment: PaymentRecord, context: HandlerContext) throws -> Bool {
        guard processors[payment.processor ?? ""] != nil else {
            throw HandlerError.rejected(reason: "no_processor", detail: "no card processor adapter named '\(payment.processor ?? "-")'")
        }
        guard try PaymentStore.insert(payment, context.database) else { return false }
        let events = PaymentEvents(database: context.database, traceID: context.traceID)
        try events.routed(payment)
        try events.attempted(payment)
        return true
    }

    /// Step 3, with the attempt's lock held and its `sent_at` committed, outside any transaction.
    func send(_ payment: PaymentRecord, logger: Logger) -> CardChargeResult {
        guard let processor = processors[payment.processor ?? ""], let card = payment.card else {
            return .noAnswer("attempt \(payment.paymentID) names no usable processor or card")
        }
        if !payment.sent && payment.status == .pending { return charge(payment, card: card, processor: processor, logger: logger) }
        do {
            switch try processor.status(idempotencyKey: payment.idempotencyKey ?? payment.paymentID) {
            case .approved(let reference): return .approved(reference: reference)
            case .declined(let code, let reference): return .declined(code: code, reference: reference)
            case .notFound:
                // The charge never reached the processor: send it now, under the same key.
                logger.info("card attempt not received by the processor; charging it", metadata: ["payment_id": "\(payment.paymentID)"])
                return charge(payment, card: card, processor: processor, logger: logger)
            }
        } catch {
            return .noAnswer("status query failed: \(error)")
        }
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

    /// Step 4, inside the batch's transaction.
    func record(_ result: CardChargeResult, of payment: PaymentRecord, database: PostgresConnection, logger: Logger) throws {
        let events = PaymentEvents(database: database, traceID: payment.traceID ?? payment.messageID)
        switch result {
        case .approved(let reference):
            guard try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .succeeded, reference: reference, failure: nil, database)
            else { return }
            try events.succeeded(payment, reference: reference)
        case .declined(let code, let reference):
            let failure = DeclineClassifier.failure(for: CardDecline(code: code, brand: payment.card?.brand ?? .other("unknown")))
            guard try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .failed, reference: reference, failure: failure, database)
            else { return }
            try events.failed(payment, failure)
        case .noAnswer(let detail):
            _ = try PaymentStore.recordOutcome(paymentID: payment.paymentID, status: .unknown, reference: nil, failure: nil, database)
            logger.warning("card outcome unknown; a status query will settle it", metadata: [
                "payment_id": "\(payment.paymentID)", "detail": "\(detail)",
            ])
        }
    }
}
