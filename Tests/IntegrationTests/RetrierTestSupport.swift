import CoverPayCore
import Foundation
import Testing

/// The retrier suites run one at a time, on the business clock they set (and reset after).
@Suite("Retrier", .serialized)
struct RetrierSuites {}

/// Events, clock and queries for the retrier's live tests. Installments are announced by the test
/// (`CollectorFixture.due`), as the scheduler would, so each test controls its dates.
enum RetrierFixture {
    static func setClock(_ date: String) throws {
        let result = try LiveServices.coverpay(["clock", "set", date])
        guard result.status == 0 else { throw FleetTestError("clock set failed: \(result.stderr)") }
    }

    static func resetClock() { _ = try? LiveServices.coverpay(["clock", "reset"]) }

    /// The collector and the retrier, ready.
    static func workers(outbound: URL = CollectorFixture.temporaryOutbound(), retriers: Int = 1) async throws -> [WorkerProcess] {
        let workers = try [WorkerProcess("collector", environment: CollectorFixture.environment(outbound: outbound))]
            + (0..<retriers).map { _ in try WorkerProcess("retrier") }
        for worker in workers { try await worker.waitUntilReady() }
        return workers
    }

    static func stop(_ workers: [WorkerProcess]) async throws {
        for worker in workers { try await worker.terminate() }
    }

    static func stage(_ policy: String) throws -> String? {
        try LiveServices.database().query("SELECT stage FROM retrier.policies WHERE policy_id = $1", [policy]).first?["stage"]
    }

    static func retries(_ policy: String, status: String? = nil) throws -> Int {
        try LiveServices.count(
            "SELECT count(*) AS n FROM retrier.retries WHERE policy_id = $1 AND ($2::text IS NULL OR status = $2)", [policy, status]
        )
    }

    static func installmentStatus(_ policy: String, entry: Int = 1) throws -> String? {
        try LiveServices.database().query(
            "SELECT status FROM retrier.installments WHERE policy_id = $1 AND entry_number = $2", [policy, entry]
        ).first?["status"]
    }

    static func attemptStatus(_ policy: String, attempt: Int, entry: Int = 1) throws -> String? {
        try LiveServices.database().query(
            "SELECT status FROM collector.payments WHERE policy_id = $1 AND entry_number = $2 AND attempt = $3", [policy, entry, attempt]
        ).first?["status"]
    }

    static func paymentID(_ policy: String, attempt: Int, entry: Int = 1) throws -> String? {
        try LiveServices.database().query(
            "SELECT payment_id FROM collector.payments WHERE policy_id = $1 AND entry_number = $2 AND attempt = $3", [policy, entry, attempt]
        ).first?["payment_id"]
    }

    /// A `payment.returned` as the reconciler publishes it for a NACHA return file entry.
    static func returned(policy: String, paymentID: String, attempt: Int, code: String, entry: Int = 1, returnedOn: String,
                         id: String = Events.uniqueID("ret")) -> JSONValue {
        Events.envelope("coverpay.payment.returned", policy: policy, id: id, data: [
            "entry_number": .number("\(entry)"), "payment_id": .string(paymentID), "attempt": .number("\(attempt)"),
            "amount": .string("100.00"), "fee": .string("0.00"), "total": .string("100.00"), "currency": .string("USD"),
            "rail": .string("ach"), "processor": .string("sandbox-bank"), "failure_code": .string("ach_return_\(code)"),
            "return_code": .string(code), "late": .bool(false), "returned_on": .string(returnedOn), "retryable": .bool(["R01", "R09"].contains(code)),
            "message": .string("returned \(code)"),
        ])
    }

    /// A `payment.failed` as the collector publishes it.
    static func failed(policy: String, paymentID: String, attempt: Int = 1, code: String = "card_soft_decline", entry: Int = 1,
                       id: String = Events.uniqueID("fail")) -> JSONValue {
        Events.envelope("coverpay.payment.failed", policy: policy, id: id, data: [
            "entry_number": .number("\(entry)"), "payment_id": .string(paymentID), "attempt": .number("\(attempt)"),
            "amount": .string("100.00"), "fee": .string("0.00"), "total": .string("100.00"), "currency": .string("USD"),
            "rail": .string("card"), "processor": .string("sandbox-a"), "failure_code": .string(code),
            "retryable": .bool(code == "card_soft_decline"), "message": .string("declined"),
        ])
    }

    static func succeeded(policy: String, paymentID: String, entry: Int = 1, rail: String = "card") -> JSONValue {
        Events.envelope("coverpay.payment.succeeded", policy: policy, data: [
            "entry_number": .number("\(entry)"), "payment_id": .string(paymentID), "attempt": .number("1"), "amount": .string("100.00"),
            "currency": .string("USD"), "rail": .string(rail),
        ])
    }

    static func methodUpdated(policy: String, method: JSONValue) -> JSONValue {
        Events.envelope("coverpay.payment_method.updated", policy: policy, data: ["payment_method": method])
    }

    /// The retrier's dead letters with the given ids, from `coverpay dlq list --json`.
    static func deadLetters(_ ids: [String]) throws -> [String: JSONValue] {
        let result = try LiveServices.coverpay(["dlq", "list", "--queue", "retrier.events", "--json"])
        guard result.status == 0, let listed = try JSONValue.parse(Array(result.stdout.utf8)).arrayValue else {
            throw FleetTestError("dlq list failed: \(result.stderr)")
        }
        var found: [String: JSONValue] = [:]
        for letter in listed { if let id = letter["id"]?.stringValue, ids.contains(id) { found[id] = letter } }
        return found
    }
}
