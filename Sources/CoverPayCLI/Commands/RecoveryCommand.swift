import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres
import RetrierWorker

/// Manual recovery (docs/retrier.md): every action names its operator and reason and is audited
/// in `retrier.actions`; an action that makes no sense is refused with a clear message.
struct RecoveryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery", abstract: "Failed installments: list, retry now, new payment method, external payment, waive a fee, write off.",
        subcommands: [List.self, RetryNow.self, UpdateMethod.self, RecordPayment.self, WaiveFee.self, WriteOff.self]
    )

    struct Audit: ParsableArguments {
        @Option(name: .customLong("operator"), help: "Who is acting (default: the OS user).")
        var operatorName = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        @Option(help: "Why (recorded with the action).") var reason: String

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must not be empty") }
            guard !operatorName.isEmpty else { throw ValidationError("--operator must not be empty") }
        }

        func recovery(_ database: PostgresConnection) -> ManualRecovery { ManualRecovery(database: database, operator: operatorName, reason: reason) }
    }

    /// `POLICY:ENTRY`, the installment's name everywhere in the CLI.
    static func installment(_ text: String) throws -> (policy: String, entry: Int) {
        guard let colon = text.lastIndex(of: ":"), let entry = Int(text[text.index(after: colon)...]), entry >= 1, colon != text.startIndex else {
            throw CLIError("'\(text)' is not an installment: write POLICY:ENTRY, e.g. POL-1:3")
        }
        return (String(text[..<colon]), entry)
    }

    /// Runs an action, turning a refusal into the CLI's clear error.
    static func perform(_ action: () throws -> String) throws {
        do { print(try action()) } catch let refusal as RecoveryRefusal { throw CLIError(refusal.description) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Installments in retry or stopped, and assessed fees.")
        @Option(help: "Only this policy.") var policy: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try CLIEnvironment().database()
            let rows = try database.query(
                """
                SELECT i.policy_id, i.entry_number, i.amount_cents, i.status, i.last_attempt, i.last_failure_code, i.stop_reason,
                       (SELECT min(r.retry_on)::text FROM retrier.retries r WHERE r.policy_id = i.policy_id AND r.entry_number = i.entry_number
                          AND r.status = 'scheduled') AS next_retry,
                       p.stage
                FROM retrier.installments i JOIN retrier.policies p USING (policy_id)
                WHERE i.status IN ('retrying', 'stopped') AND ($1::text IS NULL OR i.policy_id = $1)
                ORDER BY i.policy_id, i.entry_number
                """,
                [policy]
            )
            let fees = try database.query(
                "SELECT fee_id, policy_id, entry_number, code, amount_cents, status FROM retrier.fees WHERE status = 'assessed' AND ($1::text IS NULL OR policy_id = $1) ORDER BY policy_id, fee_id",
                [policy]
            )
            if json {
                return Output.json(.object([
                    "installments": .array(try rows.map { row in
                        .object([
                            "installment": .string("\(row["policy_id"] ?? ""):\(row["entry_number"] ?? "")"), "policy_id": .string(row["policy_id"] ?? ""),
                            "entry_number": .number(try row.decode("entry_number", as: String.self)),
                            "amount": .string(Money(cents: try row.decode("amount_cents")).description), "status": .string(row["status"] ?? ""),
                            "last_attempt": .number(try row.decode("last_attempt", as: String.self)),
                            "failure_code": row["last_failure_code"].map(JSONValue.string) ?? .null,
                            "next_retry": row["next_retry"].map(JSONValue.string) ?? .null, "stop_reason": row["stop_reason"].map(JSONValue.string) ?? .null,
                            "delinquency": .string(row["stage"] ?? ""),
                        ])
                    }),
                    "fees": .array(try fees.map { row in
                        .object(["fee_id": .string(row["fee_id"] ?? ""), "policy_id": .string(row["policy_id"] ?? ""), "code": .string(row["code"] ?? ""),
                                 "amount": .string(Money(cents: try row.decode("amount_cents")).description)])
                    }),
                ]))
            }
            Output.table(
                ["INSTALLMENT", "AMOUNT", "STATUS", "ATTEMPT", "FAILURE", "NEXT RETRY", "DELINQUENCY", "WHY STOPPED"],
                rows.map { row in
                    ["\(row["policy_id"] ?? ""):\(row["entry_number"] ?? "")", (try? Money(cents: row.decode("amount_cents")).description) ?? "",
                     row["status"] ?? "", row["last_attempt"] ?? "", row["last_failure_code"] ?? "-", row["next_retry"] ?? "-", row["stage"] ?? "",
                     row["stop_reason"] ?? ""]
                }
            )
            if !fees.isEmpty {
                print("")
                Output.table(["FEE", "POLICY", "ENTRY", "CODE", "AMOUNT"], fees.map { row in
                    [row["fee_id"] ?? "", row["policy_id"] ?? "", row["entry_number"] ?? "", row["code"] ?? "",
                     (try? Money(cents: row.decode("amount_cents")).description) ?? ""]
                })
            }
        }
    }

    struct RetryNow: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry-now", abstract: "Present an installment's scheduled retry today.")
        @Argument(help: "The installment, POLICY:ENTRY.") var installment: String
        @OptionGroup var audit: Audit

        func run() throws {
            let (policy, entry) = try RecoveryCommand.installment(installment)
            let database = try CLIEnvironment().database()
            try RecoveryCommand.perform { try audit.recovery(database).retryNow(policyID: policy, entryNumber: entry) }
        }
    }

    struct WriteOff: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "write-off", abstract: "Write off an unpaid installment (cancels its retries).")
        @Argument(help: "The installment, POLICY:ENTRY.") var installment: String
        @OptionGroup var audit: Audit

        func run() throws {
            let (policy, entry) = try RecoveryCommand.installment(installment)
            let database = try CLIEnvironment().database()
            try RecoveryCommand.perform { try audit.recovery(database).writeOff(policyID: policy, entryNumber: entry) }
        }
    }

    struct WaiveFee: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "waive-fee", abstract: "Waive an assessed return fee.")
        @Argument(help: "The fee id (coverpay recovery list).") var fee: String
        @OptionGroup var audit: Audit

        func run() throws {
            let database = try CLIEnvironment().database()
            try RecoveryCommand.perform { try audit.recovery(database).waiveFee(feeID: fee) }
        }
    }

    struct RecordPayment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record-payment", abstract: "Record money received outside the rails (check, lockbox): publishes coverpay.payment.received."
        )
        @Argument(help: "The policy.") var policy: String
        @Option(help: "The amount received, e.g. 120.50.") var amount: String
        @Option(help: "The check number, lockbox or bank reference.") var reference: String
        @Option(help: "The day it was received (default: the business date).") var receivedOn: String?
        @OptionGroup var audit: Audit

        func run() throws {
            guard let money = try? Money(parsing: amount), money > .zero else { throw CLIError("--amount must be a positive amount like 120.50, not '\(amount)'") }
            guard !reference.isEmpty else { throw CLIError("--reference must not be empty") }
            let environment = try CLIEnvironment()
            let database = try environment.database()
            let date = try receivedOn ?? BusinessClock.today(database)
            guard (try? CalendarDate(iso: date)) != nil else { throw CLIError("--received-on must be a YYYY-MM-DD date, not '\(date)'") }
            let data: [String: JSONValue] = [
                "policy_id": .string(policy), "amount": .string(money.description), "received_on": .string(date),
                "reference": .string(reference), "operator": .string(audit.operatorName), "reason": .string(audit.reason),
            ]
            try RecoveryCommand.perform {
                try audit.recovery(database).auditPublished("record-payment", policyID: policy, detail: data) {
                    try RecoveryCommand.publish("coverpay.payment.received", policy: policy, data: data, environment)
                }
                return "recorded \(money) received for \(policy) (\(reference))"
            }
        }
    }

    struct UpdateMethod: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-method", abstract: "Put a new payment method on file: publishes coverpay.payment_method.updated (a fresh retry budget)."
        )
        @Argument(help: "The policy.") var policy: String
        @Option(help: #"The payment method as JSON, e.g. {"type":"card","token":"tok_success","brand":"visa","last4":"4242"}."#) var method: String
        @OptionGroup var audit: Audit

        func run() throws {
            guard let parsed = try? JSONValue.parse(Array(method.utf8)), (try? PaymentMethod(json: parsed)) != nil else {
                throw CLIError("--method is not a valid payment method (DESIGN §3: a card with a token, or an ACH account with routing and account numbers)")
            }
            let environment = try CLIEnvironment()
            let database = try environment.database()
            try RecoveryCommand.perform {
                try audit.recovery(database).auditPublished("update-method", policyID: policy, detail: ["type": parsed["type"] ?? .null]) {
                    try RecoveryCommand.publish("coverpay.payment_method.updated", policy: policy, data: [
                        "policy_id": .string(policy), "payment_method": parsed,
                    ], environment)
                }
                return "new \(parsed["type"]?.stringValue ?? "") payment method published for \(policy)"
            }
        }
    }

    static func publish(_ type: String, policy: String, data: [String: JSONValue], _ environment: CLIEnvironment) throws {
        let event = Outbox.makeEvent(type: type, subject: policy, data: .object(data), source: "coverpay-cli")
        let broker = try environment.broker()
        try broker.enableConfirms(channel: 1)
        guard try EventPublisher.publish([event.json], on: broker).isEmpty else {
            throw CLIError("no queue is bound for \(type): apply the topology (coverpay topology apply)")
        }
    }
}
