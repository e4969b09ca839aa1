import AccountingSyncWorker
import CoverPayCore
import Foundation
import SchedulerWorker
import Testing

/// Unapplied cash end to end, with the real scheduler and accounting-sync (docs/accounting.md).
@Suite("Accounting: unapplied cash", .serialized)
struct AccountingUnappliedCashTests {
    init() throws {
        try LiveServices.isolate()
    }

    static func unappliedCents(_ policy: String) throws -> Int {
        try LiveServices.count("SELECT unapplied_cents::int AS n FROM scheduler.policies WHERE policy_id = $1", [policy])
    }

    static func eventCount(_ type: String, policy: String) throws -> Int {
        try LiveServices.count("SELECT count(*)::int AS n FROM coverpay.payment_events WHERE type = $1 AND body->'data'->>'policy_id' = $2", [type, policy])
    }

    @Test("an external payment pays whole entries, the rest is unapplied cash, refunded with a late payment once the policy is cancelled")
    func unappliedCashEndToEnd() async throws {
        let scheduler = try WorkerProcess("scheduler"), accounting = try WorkerProcess("accounting-sync")
        try await scheduler.waitUntilReady()
        try await accounting.waitUntilReady()
        // Monthly: 12 entries of 107.00 (premium 100.00, fee 5.00, tax 2.00), commission 10 %.
        let policy = Events.uniqueID("unapplied")
        try LiveServices.publish(Events.issued(policy: policy))
        try await LiveServices.eventually("accounting-sync knows entry 3's split", timeout: .seconds(90)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM accounting.installments WHERE policy_id = $1 AND entry_number = 3", [policy]) == 1
        }

        try LiveServices.publish(Events.envelope("coverpay.payment.received", policy: policy, data: [
            "amount": .string("250.00"), "received_on": .string("2026-02-15"), "reference": .string("check-1001"),
        ]))
        try await LiveServices.eventually("entries 1 and 2 paid from the check", timeout: .seconds(60)) {
            try Self.eventCount("coverpay.payment.applied", policy: policy) == 2
        }
        #expect(try Self.unappliedCents(policy) == 3_600)
        try await LiveServices.eventually("the ledger applied both", timeout: .seconds(60)) {
            try AccountingLedgerTests.policyNet(policy)["2060"] == -3_600
        }
        var net = try AccountingLedgerTests.policyNet(policy)
        #expect(net["1010"] == 25_000 && net["4010"] == -2_000 && net["2010-CARRIER-1"] == -18_000 && net["2020"] == -400)

        // Cancelled from March with the unbilled premium, fee and tax dropped: nothing left to collect.
        try LiveServices.publish(Events.change(
            "coverpay.policy.cancelled", policy: policy, sequence: 2, effective: "2026-03-01",
            items: [Events.item("dwelling", premium: "-1000.00", fee: "-50.00", tax: "-20.00")], extra: ["reason": .string("insured_request")]
        ))
        try await LiveServices.eventually("the rest is refunded", timeout: .seconds(60)) {
            try Self.eventCount("coverpay.refund.requested", policy: policy) >= 1 && Self.unappliedCents(policy) == 0
        }

        // A card payment for entry 3, which the cancellation made Invalid: not a dead letter any more.
        let payment = Events.uniqueID("pay")
        let late = Events.envelope("coverpay.payment.succeeded", policy: policy, data: [
            "entry_number": .number("3"), "payment_id": .string(payment), "attempt": .number("1"), "amount": .string("107.00"),
            "fee": .string("0.00"), "total": .string("107.00"), "currency": .string("USD"), "rail": .string("card"),
            "processor": .string("sandbox"), "succeeded_on": .string("2026-03-02"),
        ])
        try LiveServices.publish(late)
        try await LiveServices.eventually("the late payment is unapplied and refunded", timeout: .seconds(90)) {
            try Self.eventCount("coverpay.payment.unapplied", policy: policy) == 1 && Self.eventCount("coverpay.refund.requested", policy: policy) >= 2
        }
        // The scheduler's payment.unapplied can reach accounting-sync before the payment.succeeded it
        // follows has been posted; it is then retried after a delay, so wait for the move out of 2060 too.
        try await LiveServices.eventually("the ledger owes the insured 36.00 + 107.00", timeout: .seconds(90)) {
            let net = try AccountingLedgerTests.policyNet(policy)
            return net["2090"] == -14_300 && net["2060"] ?? 0 == 0
        }
        net = try AccountingLedgerTests.policyNet(policy)
        #expect(net["2060"] ?? 0 == 0, "\(net)")
        #expect(net["2070"] ?? 0 == 0 && net["2010-CARRIER-1"] == -18_000, "the late payment's payables moved out: \(net)")
        #expect(try FleetTests.deadLetters([late["id"]!.stringValue!]).isEmpty, "no entry_not_valid dead letter")

        // The refund is paid out of the trust account; more than is owed is refused.
        let tooMuch = try LiveServices.coverpay(["ledger", "pay-refund", "--policy", policy, "--amount", "500.00", "--reference", "chk-2"])
        #expect(tooMuch.status != 0 && tooMuch.stderr.contains("owed 143.00"), "\(tooMuch.stderr)")
        let paid = try LiveServices.coverpay(["ledger", "pay-refund", "--policy", policy, "--reference", "chk-2", "--json"])
        #expect(paid.status == 0, "\(paid.stderr)")
        #expect(try JSONValue.parse(Array(paid.stdout.utf8))["amount"]?.stringValue == "143.00")
        net = try AccountingLedgerTests.policyNet(policy)
        #expect(net["2090"] == 0 && net["1010"] == 25_000 - 14_300, "\(net)")
        #expect(try AccountingLedgerTests.deadLetters([late["id"]!.stringValue!]).isEmpty)
    }
}
