import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Why a manual recovery action was refused: shown to the operator as is, nothing changed.
public struct RecoveryRefusal: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The operator's recovery actions (`coverpay recovery …`). Each runs in one transaction: the
/// checks, the retrier's rows, the audit row in `retrier.actions` and the events (outbox, relayed
/// by the retrier), so an action is either done and audited or not done at all.
public struct ManualRecovery {
    let database: PostgresConnection
    let operatorName: String
    let reason: String

    public init(database: PostgresConnection, operator operatorName: String, reason: String) {
        self.database = database
        self.operatorName = operatorName
        self.reason = reason
    }

    /// Presents the installment's scheduled retry today; refused when no retry may be made.
    public func retryNow(policyID: String, entryNumber: Int) throws -> String {
        try inTransaction { book in
            let installment = try known(book, policyID, entryNumber)
            switch installment.status {
            case .retrying:
                let moved = try database.query(
                    "UPDATE retrier.retries SET retry_on = $3::date WHERE policy_id = $1 AND entry_number = $2 AND status = 'scheduled' RETURNING attempt",
                    [policyID, entryNumber, book.today.description]
                )
                guard let attempt = moved.first?["attempt"] else { throw RecoveryRefusal("entry \(entryNumber) of \(policyID) has no retry waiting (one is being presented)") }
                try audit("retry-now", policyID, entryNumber, ["attempt": .number(attempt), "retry_on": .string(book.today.description)])
                return "attempt \(attempt) of \(policyID):\(entryNumber) is presented today (\(book.today))"
            case .stopped:
                let row = try database.query(
                    "SELECT last_failure_code, stop_reason FROM retrier.installments WHERE policy_id = $1 AND entry_number = $2", [policyID, entryNumber]
                )[0]
                throw RecoveryRefusal(
                    "retries of \(policyID):\(entryNumber) stopped after \(row["last_failure_code"] ?? "its last failure"): \(row["stop_reason"] ?? "no retry allowed"); put a new payment method on file (coverpay recovery update-method) instead"
                )
            default:
                throw RecoveryRefusal("entry \(entryNumber) of \(policyID) is \(installment.status.rawValue): nothing to retry")
            }
        }
    }

    /// Writes off an unpaid installment: its retries are cancelled, it leaves the arrears, and the
    /// policy is cured when nothing else is owed.
    public func writeOff(policyID: String, entryNumber: Int) throws -> String {
        try inTransaction { book in
            let installment = try known(book, policyID, entryNumber)
            guard installment.status != .paid, installment.status != .writtenOff else {
                throw RecoveryRefusal("entry \(entryNumber) of \(policyID) is \(installment.status == .paid ? "paid" : "already written off"): nothing to write off")
            }
            try book.update(installment, status: .writtenOff)
            try book.cancelPendingRetries(policyID, entryNumber: entryNumber, reason: "written_off")
            try book.context.emit(type: "coverpay.installment.written_off", subject: policyID, data: .object([
                "policy_id": .string(policyID), "entry_number": .number("\(entryNumber)"), "amount": .string(installment.amount.description),
                "operator": .string(operatorName), "reason": .string(reason), "written_off_on": .string(book.today.description),
            ]))
            try audit("write-off", policyID, entryNumber, ["amount": .string(installment.amount.description)])
            try book.cureIfPaid(policyID, by: "write-off by \(operatorName)")
            return "wrote off \(installment.amount) of \(policyID):\(entryNumber)"
        }
    }

    /// Waives an assessed return fee.
    public func waiveFee(feeID: String) throws -> String {
        try inTransaction { book in
            guard let row = try database.query(
                "SELECT policy_id, entry_number, code, amount_cents, status FROM retrier.fees WHERE fee_id = $1 FOR UPDATE", [feeID]
            ).first else { throw RecoveryRefusal("no fee '\(feeID)' (coverpay recovery list shows the assessed fees)") }
            guard row["status"] == "assessed" else { throw RecoveryRefusal("fee '\(feeID)' is already waived") }
            let policyID: String = try row.decode("policy_id")
            let amount = Money(cents: try row.decode("amount_cents"))
            try database.query("UPDATE retrier.fees SET status = 'waived', waived_on = $2::date WHERE fee_id = $1", [feeID, book.today.description])
            try book.context.emit(type: "coverpay.fee.waived", subject: policyID, data: .object([
                "policy_id": .string(policyID), "fee_id": .string(feeID), "kind": .string("return_fee"), "amount": .string(amount.description),
                "entry_number": .number(try row.decode("entry_number", as: String.self)), "code": .string(try row.decode("code")),
                "operator": .string(operatorName), "reason": .string(reason), "waived_on": .string(book.today.description),
            ]))
            try audit("waive-fee", policyID, try row.decode("entry_number"), ["fee_id": .string(feeID), "amount": .string(amount.description)])
            return "waived \(amount) fee \(feeID) of \(policyID)"
        }
    }

    /// Audits an action whose effect is an event the CLI publishes itself (`record-payment`,
    /// `update-method`), after checking the policy is known. `publish` runs (confirmed by the
    /// broker) before the audit commits: a failed publication leaves no audit row, and a crash
    /// between the two leaves an event without its audit row, never an audit of nothing.
    public func auditPublished(_ action: String, policyID: String, detail: [String: JSONValue], publish: () throws -> Void) throws {
        try inTransaction { _ in
            guard try !database.query("SELECT 1 AS known FROM retrier.policies WHERE policy_id = $1", [policyID]).isEmpty else {
                throw RecoveryRefusal("unknown policy '\(policyID)': the retrier has seen no installment of it")
            }
            try audit(action, policyID, nil, detail)
            try publish()
        }
    }

    private func known(_ book: RecoveryBook, _ policyID: String, _ entryNumber: Int) throws -> RecoveryBook.Installment {
        guard let installment = try book.lockInstallment(policyID, entryNumber) else {
            let policyKnown = try !database.query("SELECT 1 AS known FROM retrier.policies WHERE policy_id = $1", [policyID]).isEmpty
            throw RecoveryRefusal(policyKnown ? "policy '\(policyID)' has no entry \(entryNumber) due yet" : "unknown policy '\(policyID)'")
        }
        return installment
    }

    private func audit(_ action: String, _ policyID: String, _ entryNumber: Int?, _ detail: [String: JSONValue]) throws {
        try database.query(
            "INSERT INTO retrier.actions (action, policy_id, entry_number, operator, reason, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            [action, policyID, entryNumber, operatorName, reason, JSONValue.object(detail).serialized()]
        )
    }

    private func inTransaction<T>(_ body: (RecoveryBook) throws -> T) throws -> T {
        try database.transaction { database in
            let context = HandlerContext(database: database, worker: RetrierWorker.name, traceID: UUID().uuidString.lowercased(),
                                         logger: Logger(label: "coverpay.recovery"))
            return try body(RecoveryBook(context: context, today: try CalendarDate(iso: BusinessClock.today(database))))
        }
    }
}
