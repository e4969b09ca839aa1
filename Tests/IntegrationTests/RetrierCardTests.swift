import CoverPayCore
import Foundation
import Testing

/// Card failures through the real collector (sandbox processor) and the retrier, on the business
/// clock: retries on the backoff, hard declines never retried, delinquency, cures.
extension RetrierSuites {
@Suite("Retrier: cards and delinquency", .serialized)
struct CardRecovery {
    init() throws { try LiveServices.isolate() }

    @Test("tok_insufficient_funds_once: declined, retried the next day, collected on the first retry")
    func softDeclineRecovered() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-soft")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: "tok_insufficient_funds_once")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("retry scheduled") { try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).count == 1 }
        let scheduled = try #require(try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).first)
        #expect(scheduled["retry_on"] == .string("2099-02-03"))
        #expect(scheduled["next_attempt"] == .number("2"))
        #expect(scheduled["budget_limit"] == .number("15"))
        try await Task.sleep(for: .seconds(1))
        #expect(try RetrierFixture.attemptStatus(policy, attempt: 2) == nil, "not presented before its date")

        try RetrierFixture.setClock("2099-02-03")
        try await LiveServices.eventually("attempt 2 collected", timeout: .seconds(40)) { try RetrierFixture.attemptStatus(policy, attempt: 2) == "succeeded" }
        try await LiveServices.eventually("the retrier saw it paid") { try RetrierFixture.installmentStatus(policy) == "paid" }
        let due = try CollectorFixture.events("coverpay.installment.due", policy: policy).filter { $0["attempt"] == .number("2") }
        #expect(due.count == 1)
        #expect(due.first?["reason"] == .string("card_soft_decline"))
        #expect(due.first?["retry_of"] == .string(try #require(try RetrierFixture.paymentID(policy, attempt: 1))))
        #expect(try RetrierFixture.stage(policy) == "current")
        #expect(try CollectorFixture.events("coverpay.delinquency.changed", policy: policy).isEmpty)
        try await RetrierFixture.stop(workers)
    }

    @Test("end to end with the real scheduler: its installment.due declined once, retried by the retrier, the entry ends paid")
    func throughTheScheduler() async throws {
        try RetrierFixture.setClock("2097-01-01")
        defer { RetrierFixture.resetClock() }
        let scheduler = try WorkerProcess("scheduler")
        try await scheduler.waitUntilReady()
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-e2e")
        try LiveServices.publish(CollectorFixture.issued(
            policy: policy, paymentMethod: CollectorFixture.card(token: "tok_do_not_honor_once"), start: "2097-01-01", end: "2098-01-01"
        ))
        try await LiveServices.eventually("retry scheduled", timeout: .seconds(40)) {
            try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).first?["retry_on"] == .string("2097-01-02")
        }
        try RetrierFixture.setClock("2097-01-02")
        try await LiveServices.eventually("attempt 2 collected", timeout: .seconds(40)) { try RetrierFixture.attemptStatus(policy, attempt: 2) == "succeeded" }
        try await LiveServices.eventually("the scheduler marks entry 1 paid") {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND entry_number = 1 AND is_paid", [policy]) == 1
        }
        #expect(try RetrierFixture.installmentStatus(policy) == "paid")
        #expect(try RetrierFixture.retries(policy) == 1)
        try await RetrierFixture.stop(workers)
        try await scheduler.terminate()
    }

    @Test("a hard-declined card is never retried: past due, NY notice with 15 days, then cancellation requested (two retriers, each once)")
    func hardDeclineToCancellationRequest() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers(retriers: 2)
        let policy = Events.uniqueID("rt-hard")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: "tok_stolen_card"), state: "NY"))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy, state: "NY"))
        try await LiveServices.eventually("past due") { try RetrierFixture.stage(policy) == "past_due" }
        #expect(try RetrierFixture.retries(policy) == 0)
        #expect(try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).isEmpty)

        try RetrierFixture.setClock("2099-02-11")
        try await Task.sleep(for: .seconds(1))
        #expect(try RetrierFixture.stage(policy) == "past_due", "the 10-day grace period has not passed")
        try RetrierFixture.setClock("2099-02-12")
        try await LiveServices.eventually("notice requested") { try RetrierFixture.stage(policy) == "notice_sent" }
        let notice = try #require(try CollectorFixture.events("coverpay.notice.requested", policy: policy).first)
        #expect(notice["notice_days"] == .number("15"))
        #expect(notice["requested_on"] == .string("2099-02-12"))
        #expect(notice["earliest_cancellation_date"] == .string("2099-02-27"))
        #expect(notice["past_due_amount"] == .string("100.00"))
        #expect(notice["citation"]?.stringValue?.contains("§3426") == true)

        try RetrierFixture.setClock("2099-02-26")
        try await Task.sleep(for: .seconds(1))
        #expect(try RetrierFixture.stage(policy) == "notice_sent")
        try RetrierFixture.setClock("2099-02-27")
        try await LiveServices.eventually("cancellation requested") { try RetrierFixture.stage(policy) == "cancellation_requested" }
        let request = try #require(try CollectorFixture.events("coverpay.policy.cancellation_requested", policy: policy).first)
        #expect(request["reason"] == .string("nonpayment"))
        try await Task.sleep(for: .seconds(1))
        #expect(try CollectorFixture.events("coverpay.notice.requested", policy: policy).count == 1)
        #expect(try CollectorFixture.events("coverpay.policy.cancellation_requested", policy: policy).count == 1)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id = $1", [policy]) == 1, "never retried")
        #expect(try CollectorFixture.events("coverpay.delinquency.changed", policy: policy).compactMap { $0["to"]?.stringValue }
            == ["past_due", "notice_sent", "cancellation_requested"])
        try await RetrierFixture.stop(workers)
    }

    @Test("a new payment method mid-delinquency: a fresh attempt with the new card, collected, cured")
    func methodChangeCures() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-method")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: "tok_closed_account")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("past due") { try RetrierFixture.stage(policy) == "past_due" }
        try RetrierFixture.setClock("2099-02-12")
        try await LiveServices.eventually("notice requested") { try RetrierFixture.stage(policy) == "notice_sent" }

        try LiveServices.publish(RetrierFixture.methodUpdated(policy: policy, method: CollectorFixture.card(token: "tok_success", brand: "mastercard")))
        try await LiveServices.eventually("fresh attempt scheduled") { try RetrierFixture.retries(policy, status: "scheduled") == 1 }
        try RetrierFixture.setClock("2099-02-13")
        try await LiveServices.eventually("attempt 2 collected", timeout: .seconds(40)) { try RetrierFixture.attemptStatus(policy, attempt: 2) == "succeeded" }
        try await LiveServices.eventually("cured") { try RetrierFixture.stage(policy) == "current" }
        let cured = try #require(try CollectorFixture.events("coverpay.delinquency.cured", policy: policy).first)
        #expect(cured["past_due_amount"] == .string("100.00"))
        #expect(cured["from"] == .string("notice_sent"))
        let attempted = try CollectorFixture.events("coverpay.payment.attempted", policy: policy).filter { $0["attempt"] == .number("2") }
        #expect(attempted.first?["payment_method"]?["token"] == .string("tok_success"))
        try await RetrierFixture.stop(workers)
    }
}
}
