import CoverPayCore
import Foundation
import Testing

/// The retrier alone (failures published as the collector would): duplicates and replicas
/// schedule one retry, an external payment cures and cancels pending retries, bad input goes to
/// the dead-letter queue with its reason.
extension RetrierSuites {
@Suite("Retrier: delivery, cures, bad input", .serialized)
struct Delivery {
    init() throws { try LiveServices.isolate() }

    @Test("one failure redelivered and duplicated under new ids, two replicas: one retry, presented once")
    func duplicatesScheduleOneRetry() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let replicas = try (0..<2).map { _ in try WorkerProcess("retrier") }
        for replica in replicas { try await replica.waitUntilReady() }
        let policies = (0..<5).map { _ in Events.uniqueID("rt-dup") }
        for policy in policies { try LiveServices.publish(CollectorFixture.due(policy: policy)) }
        for policy in policies {
            let failure = RetrierFixture.failed(policy: policy, paymentID: "pay-\(policy)")
            try LiveServices.publish(failure)
            try LiveServices.publish(failure)
            try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay-\(policy)"))
            try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay-\(policy)"))
        }
        for policy in policies {
            try await LiveServices.eventually("\(policy) retry scheduled") { try RetrierFixture.retries(policy) == 1 }
        }
        try await Task.sleep(for: .seconds(1))
        for policy in policies {
            #expect(try RetrierFixture.retries(policy) == 1, "\(policy)")
            #expect(try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).count == 1, "\(policy)")
        }
        try RetrierFixture.setClock("2099-02-03")
        for policy in policies {
            try await LiveServices.eventually("\(policy) presented") { try RetrierFixture.retries(policy, status: "published") == 1 }
        }
        try await Task.sleep(for: .seconds(1))
        for policy in policies {
            let due = try CollectorFixture.events("coverpay.installment.due", policy: policy).filter { $0["attempt"] == .number("2") }
            #expect(due.count == 1, "\(policy)")
        }
        for replica in replicas { try await replica.terminate() }
    }

    @Test("a failure older than the latest attempt changes nothing; a success first makes a late failure a no-op")
    func reorderedFailures() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-order")
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try LiveServices.publish(RetrierFixture.succeeded(policy: policy, paymentID: "pay-ok-\(policy)"))
        try await LiveServices.eventually("paid") { try RetrierFixture.installmentStatus(policy) == "paid" }
        try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay-late-\(policy)"))
        try await LiveServices.eventually("failure recorded") {
            try LiveServices.count("SELECT count(*) AS n FROM retrier.failures WHERE policy_id = $1", [policy]) == 1
        }
        #expect(try RetrierFixture.retries(policy) == 0)
        #expect(try RetrierFixture.stage(policy) == "current")
        try await retrier.terminate()
    }

    @Test("a payment.succeeded that overtakes its installment.due is retried until the installment is known, then pays it")
    func successBeforeDue() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-early")
        try LiveServices.publish(RetrierFixture.succeeded(policy: policy, paymentID: "pay-\(policy)"))
        try await Task.sleep(for: .seconds(1))
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try await LiveServices.eventually("paid", timeout: .seconds(90)) { try RetrierFixture.installmentStatus(policy) == "paid" }
        try await retrier.terminate()
    }

    @Test("a late return reverses the payment that had paid the entry: reopened and classified (R01: reinitiated)")
    func lateReturnReopens() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-late")
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        try LiveServices.publish(RetrierFixture.succeeded(policy: policy, paymentID: "pay-\(policy)", rail: "ach"))
        try await LiveServices.eventually("paid") { try RetrierFixture.installmentStatus(policy) == "paid" }
        try RetrierFixture.setClock("2099-02-05")
        try LiveServices.publish(RetrierFixture.returned(policy: policy, paymentID: "pay-\(policy)", attempt: 1, code: "R01", returnedOn: "2099-02-05"))
        try await LiveServices.eventually("reopened and retried") { try RetrierFixture.installmentStatus(policy) == "retrying" }
        #expect(try CollectorFixture.events("coverpay.retry.scheduled", policy: policy).first?["retry_on"] == .string("2099-02-06"))
        try await retrier.terminate()
    }

    @Test("an external payment during the notice period cures the policy and cancels every pending retry")
    func externalPaymentCures() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-cure")
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 1))
        try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay1-\(policy)", code: "card_hard_decline", entry: 1))
        try await LiveServices.eventually("past due") { try RetrierFixture.stage(policy) == "past_due" }
        try RetrierFixture.setClock("2099-02-12")
        try await LiveServices.eventually("notice") { try RetrierFixture.stage(policy) == "notice_sent" }
        #expect(try CollectorFixture.events("coverpay.notice.requested", policy: policy).first?["earliest_cancellation_date"] == .string("2099-02-22"))
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 2, scheduleDate: "2099-03-02"))
        try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay2-\(policy)", code: "card_soft_decline", entry: 2))
        try await LiveServices.eventually("retry of entry 2 pending") { try RetrierFixture.retries(policy, status: "scheduled") == 1 }

        let record = try LiveServices.coverpay([
            "recovery", "record-payment", policy, "--amount", "200.00", "--reference", "CHK-1001", "--operator", "alice", "--reason", "check received",
        ])
        #expect(record.status == 0, "\(record.stderr)")
        try await LiveServices.eventually("cured") { try RetrierFixture.stage(policy) == "current" }
        #expect(try RetrierFixture.retries(policy, status: "cancelled") == 1)
        #expect(try RetrierFixture.retries(policy, status: "scheduled") == 0)
        #expect(try CollectorFixture.events("coverpay.delinquency.cured", policy: policy).first?["cured_by"] == .string("received CHK-1001"))
        #expect(try LiveServices.count("SELECT count(*) AS n FROM retrier.actions WHERE policy_id = $1 AND operator = 'alice' AND action = 'record-payment'", [policy]) == 1)
        try RetrierFixture.setClock("2099-02-22")
        try await Task.sleep(for: .seconds(1))
        #expect(try CollectorFixture.events("coverpay.installment.due", policy: policy).filter { $0["attempt"] != nil }.isEmpty, "no retry presented")
        #expect(try RetrierFixture.stage(policy) == "current", "no cancellation requested once cured")
        try await retrier.terminate()
    }

    @Test("schedule.updated: an entry made Invalid loses its pending retry and leaves the arrears; a changed total is what the retry presents")
    func scheduleChanges() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier")
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-sched")
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 1))
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 2, scheduleDate: "2099-03-02"))
        try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay1-\(policy)", entry: 1))
        try LiveServices.publish(RetrierFixture.failed(policy: policy, paymentID: "pay2-\(policy)", entry: 2))
        try await LiveServices.eventually("two retries pending") { try RetrierFixture.retries(policy, status: "scheduled") == 2 }
        func entry(_ number: Int, status: String, total: String) -> JSONValue {
            .object(["entry_number": .number("\(number)"), "schedule_date": .string("2099-02-02"), "transaction": .string("issuance"),
                     "status": .string(status), "is_paid": .bool(false), "premium": .string(total), "fee": .string("0.00"),
                     "tax": .string("0.00"), "total": .string(total)])
        }
        try LiveServices.publish(Events.envelope("coverpay.schedule.updated", policy: policy, data: [
            "billable_total": .object(["premium": .string("80.00"), "fee": .string("0.00"), "tax": .string("0.00"), "total": .string("80.00")]),
            "entries": .array([entry(1, status: "Invalid", total: "100.00"), entry(2, status: "Valid", total: "80.00")]),
            "created_entries": .array([]), "updated_entries": .array([.number("1"), .number("2")]),
        ]))
        try await LiveServices.eventually("entry 1 invalid") { try RetrierFixture.installmentStatus(policy, entry: 1) == "invalid" }
        #expect(try RetrierFixture.retries(policy, status: "cancelled") == 1)
        try RetrierFixture.setClock("2099-02-03")
        try await LiveServices.eventually("entry 2 presented") { try RetrierFixture.retries(policy, status: "published") == 1 }
        try await Task.sleep(for: .seconds(1))
        let presented = try CollectorFixture.events("coverpay.installment.due", policy: policy).filter { $0["attempt"] == .number("2") }
        #expect(presented.count == 1)
        #expect(presented.first?["entry_number"] == .number("2"))
        #expect(presented.first?["amount"] == .string("80.00"))
        try await retrier.terminate()
    }

    @Test("bad input: an unknown return code (at once) and a failure of an unknown installment (once its retries are spent) go to the DLQ with their reason")
    func badInputDeadLettered() async throws {
        try RetrierFixture.setClock("2099-02-02")
        defer { RetrierFixture.resetClock() }
        let retrier = try WorkerProcess("retrier", environment: ["COVERPAY_MAX_ATTEMPTS": "2"])
        try await retrier.waitUntilReady()
        let policy = Events.uniqueID("rt-bad")
        try LiveServices.publish(CollectorFixture.due(policy: policy))
        let unknownCode = RetrierFixture.returned(policy: policy, paymentID: "pay-\(policy)", attempt: 1, code: "R99", returnedOn: "2099-02-04")
        let unknownInstallment = RetrierFixture.failed(policy: Events.uniqueID("rt-nobody"), paymentID: "pay-nobody")
        try LiveServices.publish(unknownCode)
        try LiveServices.publish(unknownInstallment)
        let ids = [unknownCode["id"]!.stringValue!, unknownInstallment["id"]!.stringValue!]
        try await LiveServices.eventually("both dead-lettered") { try RetrierFixture.deadLetters(ids).count == 2 }
        let letters = try RetrierFixture.deadLetters(ids)
        #expect(letters[ids[0]]?["reason"] == .string("unknown_return_code"))
        #expect(letters[ids[1]]?["reason"] == .string("retries_exhausted"))
        let shown = try LiveServices.coverpay(["dlq", "show", ids[1]])
        #expect(shown.stdout.contains("unknown installment"), "\(shown.stdout)")
        #expect(try LiveServices.count("SELECT count(*) AS n FROM retrier.failures WHERE policy_id = $1", [policy]) == 0)
        #expect(try RetrierFixture.retries(policy) == 0)
        for id in ids { _ = try LiveServices.coverpay(["dlq", "purge", "--id", id, "--note", "test cleanup"]) }
        try await retrier.terminate()
    }
}
}
