import Testing
@testable import CoverPayCore

/// Parsing `coverpay.policy.*` and payment events, and the preview built from them.
@Suite struct ScheduleEventTests {
    static func event(_ type: String, _ data: String, id: String = "evt", subject: String? = "POL-9") -> CloudEvent {
        CloudEvent(id: id, source: "upstream", type: type, subject: subject, time: nil, data: try! JSONValue.parse(Array(data.utf8)))
    }

    static let issued = event("coverpay.policy.issued", """
        {"policy_id": "POL-9", "policy_number": "HO-9", "transaction_id": "t1", "sequence": 1,
         "effective_date": "2026-01-31", "state": "CA", "line_of_business": "homeowners",
         "term": {"start": "2026-01-31", "end": "2026-07-31"}, "currency": "USD",
         "billing": {"frequency": "quarterly", "calculation_method": "modal"},
         "payment_method": {"type": "card", "token": "tok_success", "brand": "visa", "last4": "4242"},
         "carrier_id": "CAR-1", "agency_id": "AG-1", "commission_rate": "0.15",
         "items": [{"kind": "coverage", "ref": "DWELL", "name": "Dwelling", "premium": "100.01", "fee": "5", "tax": "2.50"}]}
        """, id: "e1")

    static func issued(replacing old: String, with new: String) -> CloudEvent {
        let text = issued.data.serialized().replacingOccurrences(of: old, with: new)
        return event("coverpay.policy.issued", text)
    }

    static func code(_ event: CloudEvent) -> ScheduleError.Code? {
        do { _ = try PolicyTransaction(event: event); return nil } catch { return error.code }
    }

    @Test func parsesAnIssuance() throws {
        let transaction = try PolicyTransaction(event: Self.issued)
        guard case .issuance(let issuance) = transaction.kind else { Issue.record("not an issuance"); return }
        #expect(transaction.policyID == "POL-9" && transaction.transactionID == "t1" && transaction.sequence == 1)
        #expect(issuance.term.start.description == "2026-01-31" && issuance.term.end.description == "2026-07-31")
        #expect(issuance.billing == BillingPlan(frequency: .quarterly, method: .modal))
        #expect(issuance.commissionRate == "0.15" && issuance.state == "CA" && issuance.carrierID == "CAR-1")
        #expect(issuance.paymentMethod?["token"]?.stringValue == "tok_success")
        #expect(transaction.items == [ItemAmounts(
            item: PolicyItem(kind: .coverage, ref: "DWELL", name: "Dwelling"),
            amounts: ComponentAmounts(premium: Money(cents: 10_001), fee: Money(cents: 500), tax: Money(cents: 250))
        )])
    }

    @Test func refusesInvalidIssuances() {
        #expect(Self.code(Self.issued(replacing: "\"2026-07-31\"", with: "\"2026-01-31\"")) == .invalidTerm)
        #expect(Self.code(Self.issued(replacing: "\"2026-07-31\"", with: "\"2026-02-30\"")) == .invalidDate)
        #expect(Self.code(Self.issued(replacing: "quarterly", with: "weekly")) == .unknownFrequency)
        #expect(Self.code(Self.issued(replacing: "\"modal\"", with: "\"pro_rata\"")) == .unknownMethod)
        #expect(Self.code(Self.issued(replacing: "100.01", with: "100.011")) == .tooManyDecimals)
        #expect(Self.code(Self.issued(replacing: "\"USD\"", with: "\"EUR\"")) == .unsupportedCurrency)
        #expect(Self.code(Self.issued(replacing: "\"coverage\"", with: "\"vehicle\"")) == .unknownItemKind)
        #expect(Self.code(Self.issued(replacing: "\"sequence\":1", with: "\"sequence\":2")) == .sequence)
        #expect(Self.code(Self.issued(replacing: "\"sequence\":1", with: "\"sequence\":\"1\"")) == .sequence)
        #expect(Self.code(Self.issued(replacing: "\"transaction_id\":\"t1\"", with: "\"transaction\":\"t1\"")) == .missingField)
        #expect(Self.code(Self.issued(replacing: "\"state\":\"CA\"", with: "\"state\":\"California\"")) == .invalidField)
        #expect(Self.code(Self.issued(replacing: "\"premium\":\"100.01\"", with: "\"premium\":100.01")) == .invalidField)
        var other = Self.issued
        other.subject = "POL-OTHER"
        #expect(Self.code(other) == .policyMismatch)
    }

    @Test func errorsNameTheFieldAndValue() {
        do {
            _ = try PolicyTransaction(event: Self.issued(replacing: "100.01", with: "100.011"))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message.contains("data.items[0].premium") && error.message.contains("100.011"))
        }
        do {
            _ = try PolicyTransaction(event: Self.issued(replacing: "quarterly", with: "weekly"))
        } catch {
            #expect(error.message.contains("data.billing.frequency") && error.message.contains("weekly"))
        }
    }

    @Test func parsesLaterTransactionsAndPayments() throws {
        let cancelled = try PolicyTransaction(event: Self.event("coverpay.policy.cancelled", """
            {"policy_id": "POL-9", "transaction_id": "t3", "sequence": 3, "effective_date": "2026-03-01",
             "reason": "nonpayment", "items": [{"kind": "coverage", "ref": "DWELL", "premium": "-10.00", "fee": "0", "tax": "-0.25"}]}
            """))
        #expect(cancelled.kind == .cancellation(reason: .nonpayment))
        #expect(cancelled.items.first?.item.name == "DWELL")
        #expect(Self.code(Self.event("coverpay.policy.cancelled", #"{"policy_id":"POL-9","transaction_id":"t","sequence":2,"effective_date":"2026-03-01","reason":"boredom","items":[]}"#)) == .invalidField)
        #expect(Self.code(Self.event("coverpay.policy.endorsed", #"{"policy_id":"POL-9","transaction_id":"t","sequence":2,"effective_date":"2026-03-01","currency":"GBP","items":[]}"#)) == .unsupportedCurrency)
        #expect(Self.code(Self.event("coverpay.policy.renewed", #"{"policy_id":"POL-9"}"#)) == .unknownEventType)

        let payment = try SchedulePayment(event: Self.event("coverpay.payment.returned", #"{"policy_id":"POL-9","entry_number":2,"failure_code":"R01"}"#))
        #expect(payment == SchedulePayment(policyID: "POL-9", entryNumber: 2, outcome: .returned))
        #expect(throws: ScheduleError.self) { try SchedulePayment(event: Self.event("coverpay.payment.succeeded", #"{"policy_id":"POL-9","entry_number":"2"}"#)) }
    }

    @Test func previewPrintsTheScheduleShape() throws {
        let paid = Self.event("coverpay.payment.succeeded", #"{"policy_id":"POL-9","entry_number":1}"#)
        let json = try SchedulePreview.run(events: [Self.issued, paid])
        let expected = try JSONValue.parse(Array("""
            {"policy_id": "POL-9",
             "billable_total": {"premium": "100.01", "fee": "5.00", "tax": "2.50", "total": "107.51"},
             "entries": [
               {"entry_number": 1, "schedule_date": "2026-01-31", "transaction": "issuance", "status": "Valid", "is_paid": true,
                "premium": "50.01", "fee": "2.50", "tax": "1.25", "total": "53.76",
                "details": [{"kind": "coverage", "ref": "DWELL", "name": "Dwelling", "premium": "50.01", "fee": "2.50", "tax": "1.25"}]},
               {"entry_number": 2, "schedule_date": "2026-04-30", "transaction": "issuance", "status": "Valid", "is_paid": false,
                "premium": "50.00", "fee": "2.50", "tax": "1.25", "total": "53.75",
                "details": [{"kind": "coverage", "ref": "DWELL", "name": "Dwelling", "premium": "50.00", "fee": "2.50", "tax": "1.25"}]}
             ]}
            """.utf8))
        #expect(json == expected)
    }

    @Test func previewOrdersBySequenceAndAnchorsPayments() throws {
        let cancel = Self.event("coverpay.policy.cancelled", #"{"policy_id":"POL-9","transaction_id":"t2","sequence":2,"effective_date":"2026-03-01","reason":"insured_request","items":[{"kind":"coverage","ref":"DWELL","premium":"-50.00","fee":"-2.50","tax":"-1.25"}]}"#)
        let reinstate = Self.event("coverpay.policy.reinstated", #"{"policy_id":"POL-9","transaction_id":"t3","sequence":3,"effective_date":"2026-03-15","items":[]}"#)
        let payFirst = Self.event("coverpay.payment.succeeded", #"{"policy_id":"POL-9","entry_number":1}"#)
        let payRefund = Self.event("coverpay.payment.succeeded", #"{"policy_id":"POL-9","entry_number":3}"#)
        let ignored = Self.event("coverpay.payment_method.updated", #"{"policy_id":"POL-9","payment_method":{"type":"card","token":"tok_x"}}"#)
        // Out of order in the array; each payment follows the policy event listed just before it.
        let schedule = try SchedulePreview.schedule(events: [reinstate, Self.issued, payFirst, cancel, ignored, payRefund, Self.issued])
        #expect(schedule.totals == ["53.76", "53.75", "0.00"])
        #expect(schedule.entry(number: 1)?.isPaid == true)
        #expect(schedule.entry(number: 2)?.status == .invalid)
        // Entry 3, the cancellation (53.75 unpaid − 50.00 − 2.50 − 1.25 = 0.00), was paid before the reinstatement, which carries no changes.
        #expect(schedule.entry(number: 3)?.transaction == .cancellation)
        #expect(schedule.entry(number: 3)?.isPaid == true)
        #expect(schedule.entries.count == 3 && schedule.state == .active)

        #expect(throws: ScheduleError.self) { try SchedulePreview.run(events: [payFirst]) }
        #expect(throws: ScheduleError.self) { try SchedulePreview.run(events: [Self.issued, Self.event("coverpay.thing.happened", "{}")]) }
    }
}

import Foundation
