import CollectorWorker
import CoverPayCore
import Foundation
import Testing

/// ACH returns (published as the reconciler would from a NACHA return file) through the real
/// collector and the retrier: R01 reinitiated twice under `RETRY PYMT`, then delinquency to a
/// cancellation request; R07 never retried.
extension RetrierSuites {
@Suite("Retrier: ACH returns", .serialized)
struct ACHRecovery {
    init() throws { try LiveServices.isolate() }

    /// The batch description of the NACHA file entry of this attempt, once its file is written.
    static func entryDescription(policy: String, attempt: Int) async throws -> String {
        var description: String?
        try await LiveServices.eventually("attempt \(attempt) in a written NACHA file", timeout: .seconds(40)) {
            guard let row = try LiveServices.database().query(
                """
                SELECT p.trace_number, f.file_name FROM collector.payments p JOIN collector.ach_files f ON f.id = p.ach_file_id
                WHERE p.policy_id = $1 AND p.attempt = $2
                """,
                [policy, attempt]
            ).first, let fileName = row["file_name"], let text = try ACHFileStore.text(file: fileName, LiveServices.database()) else { return false }
            let batch = try NACHAFile.parse(text).batches.first { $0.entries.contains { $0.traceNumber == row["trace_number"] } }
            description = batch?.header.entryDescription
            return description != nil
        }
        return try #require(description)
    }

    @Test("R01 three times: reinitiated twice with RETRY PYMT, one return fee in CA, then past due, notice (10 days), cancellation requested")
    func r01ReinitiatedTwiceThenDelinquent() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-r01")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.bankAccount(account: "123450001")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        #expect(try await Self.entryDescription(policy: policy, attempt: 1) != NACHAEntryDescription.reinitiated)

        // Returned R01 on each presentment; each reinitiation goes out on the next banking day.
        for (attempt, returnedOn, retryOn) in [(1, "2099-02-04", "2099-02-05"), (2, "2099-02-06", "2099-02-09")] {
            try RetrierFixture.setClock(returnedOn)
            let paymentID = try #require(try RetrierFixture.paymentID(policy, attempt: attempt))
            try LiveServices.publish(RetrierFixture.returned(policy: policy, paymentID: paymentID, attempt: attempt, code: "R01", returnedOn: returnedOn))
            try await LiveServices.eventually("retry \(attempt + 1) scheduled") { try RetrierFixture.retries(policy) == attempt }
            let scheduled = try CollectorFixture.events("coverpay.retry.scheduled", policy: policy)
            #expect(scheduled.last?["retry_on"] == .string(retryOn))
            #expect(scheduled.last?["budget_limit"] == .number("3"))
            try RetrierFixture.setClock(retryOn)
            #expect(try await Self.entryDescription(policy: policy, attempt: attempt + 1) == NACHAEntryDescription.reinitiated)
        }
        let third = try #require(try RetrierFixture.paymentID(policy, attempt: 3))
        try LiveServices.publish(RetrierFixture.returned(policy: policy, paymentID: third, attempt: 3, code: "R01", returnedOn: "2099-02-11"))
        try await LiveServices.eventually("past due after the third presentment") { try RetrierFixture.stage(policy) == "past_due" }
        #expect(try RetrierFixture.retries(policy) == 2, "no fourth presentment")
        let fees = try CollectorFixture.events("coverpay.fee.assessed", policy: policy)
        #expect(fees.count == 1, "one return fee per entry, whatever its presentments")
        #expect(fees.allSatisfy { $0["amount"] == .string("25.00") && $0["rule"] == .string("CA.return_fee") })

        try RetrierFixture.setClock("2099-02-19")
        try await LiveServices.eventually("notice requested") { try RetrierFixture.stage(policy) == "notice_sent" }
        let notice = try #require(try CollectorFixture.events("coverpay.notice.requested", policy: policy).first)
        #expect(notice["notice_days"] == .number("10"))
        #expect(notice["earliest_cancellation_date"] == .string("2099-03-01"))
        try RetrierFixture.setClock("2099-03-01")
        try await LiveServices.eventually("cancellation requested") { try RetrierFixture.stage(policy) == "cancellation_requested" }
        #expect(try CollectorFixture.events("coverpay.policy.cancellation_requested", policy: policy).count == 1)
        try await RetrierFixture.stop(workers)
    }

    @Test("R07 is never retried and carries no fee: past due at once; a new account is then debited as a new entry, not RETRY PYMT")
    func r07NeverRetried() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-r07")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.bankAccount(account: "123450007")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        _ = try await Self.entryDescription(policy: policy, attempt: 1)
        try RetrierFixture.setClock("2099-02-04")
        let paymentID = try #require(try RetrierFixture.paymentID(policy, attempt: 1))
        try LiveServices.publish(RetrierFixture.returned(policy: policy, paymentID: paymentID, attempt: 1, code: "R07", returnedOn: "2099-02-04"))
        try await LiveServices.eventually("past due") { try RetrierFixture.stage(policy) == "past_due" }
        #expect(try RetrierFixture.retries(policy) == 0)
        #expect(try CollectorFixture.events("coverpay.fee.assessed", policy: policy).isEmpty)
        #expect(try RetrierFixture.attemptStatus(policy, attempt: 1) == "returned")
        let retry = try LiveServices.coverpay(["recovery", "retry-now", "\(policy):1", "--reason", "customer asked"])
        #expect(retry.status != 0)
        #expect(retry.stderr.contains("R07"))

        // A new account (a new authorization) is a new entry, not a reinitiation: no RETRY PYMT.
        try LiveServices.publish(RetrierFixture.methodUpdated(policy: policy, method: CollectorFixture.bankAccount(account: "555566667777")))
        try await LiveServices.eventually("fresh attempt scheduled") { try RetrierFixture.retries(policy, status: "scheduled") == 1 }
        try RetrierFixture.setClock("2099-02-05")
        #expect(try await Self.entryDescription(policy: policy, attempt: 2) == NACHAEntryDescription.premium)
        try await RetrierFixture.stop(workers)
    }

    @Test("a cancelled policy's positive cancellation entry (earned premium) is collected; its other entries are refused")
    func earnedPremiumOfCancelledPolicy() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let workers = try await RetrierFixture.workers()
        let policy = Events.uniqueID("rt-earned")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card()))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(Events.envelope("coverpay.policy.cancelled", policy: policy, data: [
            "transaction_id": .string("\(policy)-tx2"), "sequence": .number("2"), "effective_date": .string("2099-02-01"),
            "reason": .string("insured_request"), "items": .array([Events.item("dwelling", premium: "-100.00")]),
        ]))
        try await LiveServices.eventually("the collector knows it is cancelled") {
            try LiveServices.count("SELECT count(*) AS n FROM collector.policies WHERE policy_id = $1 AND cancelled", [policy]) == 1
        }
        guard case .object(var cancellationDue) = CollectorFixture.due(policy: policy, entry: 2, amount: "42.10"),
              case .object(var data)? = cancellationDue["data"] else { Issue.record("fixture shape"); return }
        data["transaction"] = .string("cancellation")
        cancellationDue["data"] = .object(data)
        try LiveServices.publish(.object(cancellationDue))
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 1))
        try await LiveServices.eventually("earned premium collected") { try CollectorFixture.status(policy: policy, entry: 2) == "succeeded" }
        try await LiveServices.eventually("the issuance entry refused") { try CollectorFixture.status(policy: policy, entry: 1) == "failed" }
        #expect(try CollectorFixture.events("coverpay.payment.failed", policy: policy).first?["failure_code"] == .string("policy_cancelled"))
        try await LiveServices.eventually("the retrier holds it for an operator") { try RetrierFixture.installmentStatus(policy, entry: 1) == "stopped" }
        #expect(try RetrierFixture.stage(policy) == "cancelled", "never delinquent")
        #expect(try RetrierFixture.retries(policy) == 0)
        try await RetrierFixture.stop(workers)
    }
}
}
