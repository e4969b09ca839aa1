import CoverPayCore
import Foundation
import Testing

/// `coverpay recovery …` and `coverpay delinquency …` against a live retrier: audited actions,
/// refusals with a clear message and a non-zero exit, DESIGN §12 JSON.
extension RetrierSuites {
@Suite("Retrier: manual recovery CLI", .serialized)
struct RecoveryCLI {
    init() throws { try LiveServices.isolate() }

    @Test("write-off cures, a paid entry cannot be written off, fees are waived once, unknown policies are refused")
    func recoveryActions() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-cli")
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 1))
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 2, scheduleDate: "2099-03-02"))
        try LiveServices.publish(RetrierFixture.returned(policy: policy, paymentID: "pay1-\(policy)", attempt: 1, code: "R02", returnedOn: "2099-02-04"))
        try LiveServices.publish(RetrierFixture.succeeded(policy: policy, paymentID: "pay2-\(policy)", entry: 2))
        try await LiveServices.eventually("past due") { try RetrierFixture.stage(policy) == "past_due" }
        try await LiveServices.eventually("entry 2 paid") { try RetrierFixture.installmentStatus(policy, entry: 2) == "paid" }

        let shown = try LiveServices.coverpay(["delinquency", "show", policy, "--json"])
        #expect(shown.status == 0)
        let json = try JSONValue.parse(Array(shown.stdout.utf8))
        #expect(json["policy_id"] == .string(policy))
        #expect(json["state"] == .string("past_due"))
        #expect(json["past_due_amount"] == .string("100.00"))
        #expect(json["notice"] == .null)
        #expect(json["history"] == .array([.object(["state": .string("past_due"), "at": .string("2099-02-02")])]))
        let listed = try LiveServices.coverpay(["recovery", "list", "--policy", policy, "--json"])
        #expect(try JSONValue.parse(Array(listed.stdout.utf8))["installments"]?.arrayValue?.first?["stop_reason"]?.stringValue?.contains("R02") == true)

        let paid = try LiveServices.coverpay(["recovery", "write-off", "\(policy):2", "--reason", "test", "--operator", "bob"])
        #expect(paid.status != 0)
        #expect(paid.stderr.contains("is paid"))
        let unknown = try LiveServices.coverpay(["recovery", "write-off", "nobody-\(policy):1", "--reason", "test"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown policy"))
        let noReason = try LiveServices.coverpay(["recovery", "write-off", "\(policy):1", "--reason", " "])
        #expect(noReason.status != 0)
        let malformed = try LiveServices.coverpay(["recovery", "retry-now", policy, "--reason", "test"])
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("POLICY:ENTRY"))
        #expect(try LiveServices.count("SELECT count(*) AS n FROM retrier.actions WHERE policy_id = $1", [policy]) == 0, "refusals change nothing")

        let writeOff = try LiveServices.coverpay(["recovery", "write-off", "\(policy):1", "--reason", "uncollectable", "--operator", "bob"])
        #expect(writeOff.status == 0, "\(writeOff.stderr)")
        #expect(try RetrierFixture.stage(policy) == "current")
        try await LiveServices.eventually("written off and cured, published") {
            try CollectorFixture.events("coverpay.installment.written_off", policy: policy).count == 1
                && CollectorFixture.events("coverpay.delinquency.cured", policy: policy).count == 1
        }
        #expect(try CollectorFixture.events("coverpay.installment.written_off", policy: policy).first?["operator"] == .string("bob"))
        #expect(try LiveServices.count("SELECT count(*) AS n FROM retrier.actions WHERE policy_id = $1 AND action = 'write-off' AND operator = 'bob' AND reason = 'uncollectable'", [policy]) == 1)
        let again = try LiveServices.coverpay(["recovery", "write-off", "\(policy):1", "--reason", "twice"])
        #expect(again.status != 0)

        let status = try LiveServices.coverpay(["status", "--json"])
        #expect(try JSONValue.parse(Array(status.stdout.utf8))["delinquency"]?["current"]?.intValue ?? 0 >= 1)
        try await retrier.terminate()
    }

    @Test("retry-now presents a scheduled retry today; update-method gives a stopped installment a fresh attempt; bad methods are refused")
    func retryNowAndUpdateMethod() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let soft = Events.uniqueID("rt-now"), hard = Events.uniqueID("rt-newcard")
        try LiveServices.publish(CollectorFixture.due(policy: soft))
        try LiveServices.publish(CollectorFixture.due(policy: hard))
        try LiveServices.publish(RetrierFixture.failed(policy: soft, paymentID: "pay-\(soft)"))
        try LiveServices.publish(RetrierFixture.failed(policy: hard, paymentID: "pay-\(hard)", code: "card_hard_decline"))
        try await LiveServices.eventually("soft retry scheduled, hard stopped") {
            try RetrierFixture.retries(soft, status: "scheduled") == 1 && RetrierFixture.installmentStatus(hard) == "stopped"
        }
        let now = try LiveServices.coverpay(["recovery", "retry-now", "\(soft):1", "--reason", "customer called", "--operator", "dave"])
        #expect(now.status == 0, "\(now.stderr)")
        try await LiveServices.eventually("presented today") { try RetrierFixture.retries(soft, status: "published") == 1 }
        let refused = try LiveServices.coverpay(["recovery", "retry-now", "\(hard):1", "--reason", "try again"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("card_hard_decline"))

        let badMethod = try LiveServices.coverpay(["recovery", "update-method", hard, "--method", #"{"type":"card"}"#, "--reason", "new card"])
        #expect(badMethod.status != 0)
        let method = #"{"type":"card","token":"tok_success","brand":"visa","last4":"4242"}"#
        let update = try LiveServices.coverpay(["recovery", "update-method", hard, "--method", method, "--reason", "new card", "--operator", "dave"])
        #expect(update.status == 0, "\(update.stderr)")
        try await LiveServices.eventually("fresh attempt for the new card") { try RetrierFixture.retries(hard, status: "scheduled") == 1 }
        #expect(try CollectorFixture.events("coverpay.retry.scheduled", policy: hard).first?["retry_on"] == .string("2099-02-03"))
        #expect(try LiveServices.count("SELECT count(*) AS n FROM retrier.actions WHERE operator = 'dave' AND policy_id = ANY($1::text[])", ["{\(soft),\(hard)}"]) == 2)
        try await retrier.terminate()
    }

    @Test("a return fee in NY (R01) is assessed once and waived once")
    func feeWaived() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-fee")
        try LiveServices.publish(CollectorFixture.due(policy: policy, state: "NY"))
        let returned = RetrierFixture.returned(policy: policy, paymentID: "pay-\(policy)", attempt: 1, code: "R01", returnedOn: "2099-02-04")
        try LiveServices.publish(returned)
        try LiveServices.publish(returned)
        try await LiveServices.eventually("fee assessed") { try CollectorFixture.events("coverpay.fee.assessed", policy: policy).count == 1 }
        let fee = try #require(try CollectorFixture.events("coverpay.fee.assessed", policy: policy).first)
        #expect(fee["amount"] == .string("20.00"))
        let feeID = try #require(fee["fee_id"]?.stringValue)
        let waive = try LiveServices.coverpay(["recovery", "waive-fee", feeID, "--reason", "first time", "--operator", "carol"])
        #expect(waive.status == 0, "\(waive.stderr)")
        let twice = try LiveServices.coverpay(["recovery", "waive-fee", feeID, "--reason", "again"])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already waived"))
        try await LiveServices.eventually("fee.waived published") { try CollectorFixture.events("coverpay.fee.waived", policy: policy).count == 1 }
        #expect(try CollectorFixture.events("coverpay.fee.assessed", policy: policy).count == 1)
        try await retrier.terminate()
    }
}
}
