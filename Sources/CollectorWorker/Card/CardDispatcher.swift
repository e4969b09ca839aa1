import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Steps 2–4 of `CardAttempt` for one replica: takes claimed card attempts (and any left open by
/// a crash or without an answer), keeps up to `COVERPAY_COLLECTOR_CARD_INFLIGHT` requests at the
/// processors at once, and records finished ones in one transaction per batch. It holds each
/// attempt's installment lock on its own session — the connection the job loop gives it — from
/// taking to recording; no transaction stays open across a request.
///
/// It paces itself: it waits for a finished request, a claim's wake-up (`wake`) or
/// `idlePoll`, and so always reports work to the job loop, which runs it again at once.
final class CardDispatcher: ScheduledJob, @unchecked Sendable {
    let name = "card-dispatch"
    private let attempt: CardAttempt
    private let inFlightLimit: Int
    private let resolveAfterMilliseconds: Int
    private let callers: BlockingWorkPool
    private let condition = NSCondition()
    private var inFlight: [String: PaymentRecord] = [:]
    private var finished: [(payment: PaymentRecord, result: CardChargeResult)] = []
    private var wokenAt: ContinuousClock.Instant?

    /// How often an idle dispatcher looks for attempts claimed by other replicas or left open.
    private static let idlePoll: Duration = .milliseconds(100)
    /// After a wake-up, how often it looks until the claim's transaction has committed.
    private static let wokenPoll: Duration = .milliseconds(5)

    init(attempt: CardAttempt, settings: CollectorSettings) {
        self.attempt = attempt
        inFlightLimit = settings.cardInFlight
        resolveAfterMilliseconds = settings.cardResolveAfterMilliseconds
        callers = BlockingWorkPool(limit: settings.cardInFlight, name: "card-request")
    }

    /// A handler claimed an attempt (its transaction commits shortly): look sooner.
    func wake() {
        condition.withLock {
            wokenAt = .now
            condition.signal()
        }
    }

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        let done = condition.withLock {
            defer { finished = [] }
            return finished
        }
        if !done.isEmpty { try record(done, database: database, logger: logger) }
        let taken = try take(database: database, logger: logger)
        if done.isEmpty && taken == 0 { pause() }
        return max(done.count + taken, 1)
    }

    /// Step 4: one transaction for every finished request, then their locks are released.
    private func record(_ done: [(payment: PaymentRecord, result: CardChargeResult)], database: PostgresConnection, logger: Logger) throws {
        // Whatever happens here, these requests are no longer in flight: an unrecorded outcome
        // leaves its attempt open, to be settled by a status query.
        defer { condition.withLock { for item in done { inFlight[item.payment.paymentID] = nil } } }
        try database.transaction { database in
            for item in done { try attempt.record(item.result, of: item.payment, database: database, logger: logger) }
        }
        try InstallmentLock.release(done.map(\.payment), database)
    }

    /// Step 2: locks and re-reads as many open attempts as there is room for, commits their
    /// `sent_at`, and hands them to the request threads (step 3).
    private func take(database: PostgresConnection, logger: Logger) throws -> Int {
        let (room, held) = condition.withLock { (inFlightLimit - inFlight.count, Set(inFlight.values.map(Self.installment))) }
        guard room > 0 else { return 0 }
        var taken: [PaymentRecord] = []
        var installments = held
        let candidates = try PaymentStore.openCardAttempts(resolveAfterMilliseconds: resolveAfterMilliseconds, limit: room + held.count, database)
        for candidate in candidates where taken.count < room && installments.insert(Self.installment(candidate)).inserted {
            // Read again under the lock: another replica may have settled it since the scan.
            guard let current = try InstallmentLock.tryAcquireForSession(candidate, database) else { continue }
            guard current.status == .pending || current.status == .unknown else {
                try InstallmentLock.release([current], database)
                continue
            }
            taken.append(current)
        }
        guard !taken.isEmpty else { return 0 }
        try PaymentStore.markSent(paymentIDs: taken.map(\.paymentID), database)
        condition.withLock { for payment in taken { inFlight[payment.paymentID] = payment } }
        for payment in taken {
            callers.submit { [self] in
                let result = attempt.send(payment, logger: logger)
                if !payment.sent { FaultInjection.crashIfArmed("after_charge", messageID: payment.messageID) }
                condition.withLock {
                    finished.append((payment, result))
                    condition.signal()
                }
            }
        }
        return taken.count
    }

    private func pause() {
        condition.withLock {
            guard finished.isEmpty else { return }
            let woken = wokenAt.map { ContinuousClock.now - $0 < .seconds(1) } ?? false
            let wait = woken ? Self.wokenPoll : Self.idlePoll
            _ = condition.wait(until: Date(timeIntervalSinceNow: wait / .seconds(1)))
        }
    }

    private static func installment(_ payment: PaymentRecord) -> String { "\(payment.policyID):\(payment.entryNumber)" }
}
