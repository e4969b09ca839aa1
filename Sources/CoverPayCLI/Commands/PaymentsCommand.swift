import ArgumentParser
import CoverPayCore
import Foundation
import Postgres

struct PaymentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments", abstract: "List collection attempts and show one's timeline.", subcommands: [List.self, Show.self]
    )

    /// DESIGN §12: payment_id, policy_id, entry_number, rail, processor, amount, status, failure_code, attempt, created_at.
    static func json(_ row: PostgresRow) throws -> JSONValue {
        func text(_ column: String) -> JSONValue { row[column].map(JSONValue.string) ?? .null }
        return .object([
            "payment_id": text("payment_id"), "policy_id": text("policy_id"),
            "entry_number": .number(try row.decode("entry_number", as: String.self)), "rail": text("rail"), "processor": text("processor"),
            "amount": .string(Money(cents: try row.decode("amount_cents")).description), "fee": .string(Money(cents: try row.decode("fee_cents")).description),
            "currency": text("currency"), "status": text("status"), "failure_code": text("failure_code"),
            "attempt": .number(try row.decode("attempt", as: String.self)), "created_at": text("created_at"),
        ])
    }

    static let columns = """
        payment_id, policy_id, entry_number, rail, processor, amount_cents, fee_cents, currency, status, failure_code, attempt,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
        """

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List collection attempts, newest first.")
        @Option(help: "Only this policy's attempts.") var policy: String?
        @Option(help: "Only attempts with this status (pending, succeeded, failed, unknown, returned, settled).") var status: String?
        @Option(help: "At most this many.") var limit = 200
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let rows = try CLIEnvironment().database().query(
                """
                SELECT \(PaymentsCommand.columns) FROM collector.payments
                WHERE ($1::text IS NULL OR policy_id = $1) AND ($2::text IS NULL OR status = $2)
                ORDER BY created_at DESC, policy_id, entry_number, attempt LIMIT $3
                """,
                [policy, status, limit]
            )
            if json { return Output.json(.array(try rows.map(PaymentsCommand.json))) }
            Output.table(
                ["PAYMENT", "POLICY", "ENTRY", "ATTEMPT", "RAIL", "PROCESSOR", "AMOUNT", "STATUS", "FAILURE", "CREATED"],
                rows.map { row in
                    [row["payment_id"] ?? "", row["policy_id"] ?? "", row["entry_number"] ?? "", row["attempt"] ?? "", row["rail"] ?? "-",
                     row["processor"] ?? "-", (try? Money(cents: row.decode("amount_cents")).description) ?? "", row["status"] ?? "",
                     row["failure_code"] ?? "", row["created_at"] ?? ""]
                }
            )
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one attempt: the decision, the processor calls and the events, in order.")
        @Argument(help: "The payment id.") var payment: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try CLIEnvironment().database()
            guard let row = try database.query(
                "SELECT \(PaymentsCommand.columns), idempotency_key, trace_number, sec_code, effective_date::text AS effective_date, decision::text AS decision, payment_method::text AS payment_method, ach_file_id FROM collector.payments WHERE payment_id = $1",
                [payment]
            ).first else { throw CLIError("no payment '\(payment)'") }
            // Ordered by phase, then time: an event's `occurred_at` is its transaction's start, which for
            // the outcome precedes the processor call it records.
            var timeline: [(phase: Int, at: String, what: String, detail: JSONValue)] = []
            let phases = ["coverpay.payment.routed": 0, "coverpay.payment.attempted": 1]
            for event in try database.query(
                """
                SELECT type, body::text AS body, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
                FROM coverpay.payment_events WHERE body->'data'->>'payment_id' = $1 ORDER BY seq
                """,
                [payment]
            ) {
                let body = try JSONValue.parse(Array(try event.decode("body", as: String.self).utf8))
                timeline.append((phases[event["type"] ?? ""] ?? 3, event["at"] ?? "", event["type"] ?? "", body["data"] ?? .null))
            }
            if let key = row["idempotency_key"] {
                for call in try database.query(
                    """
                    SELECT processor, kind, outcome, replay, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
                    FROM sandbox.card_calls WHERE idempotency_key = $1 ORDER BY id
                    """,
                    [key]
                ) {
                    let what = "\(call["processor"] ?? "") \(call["kind"] ?? "")\(call["replay"] == "t" ? " (replayed key)" : "")"
                    timeline.append((2, call["at"] ?? "", what, .object(["outcome": .string(call["outcome"] ?? "")])))
                }
            }
            timeline.sort { ($0.phase, $0.at) < ($1.phase, $1.at) }
            var summary = try PaymentsCommand.json(row).objectValue ?? [:]
            for column in ["idempotency_key", "trace_number", "sec_code", "effective_date"] { summary[column] = row[column].map(JSONValue.string) ?? .null }
            summary["payment_method"] = try row["payment_method"].map { try JSONValue.parse(Array($0.utf8)) } ?? .null
            summary["decision"] = try row["decision"].map { try JSONValue.parse(Array($0.utf8)) } ?? .null
            summary["ach_file_id"] = row["ach_file_id"].map { .number($0) } ?? .null
            summary["timeline"] = .array(timeline.map { .object(["at": .string($0.at), "what": .string($0.what), "detail": $0.detail]) })
            if json { return Output.json(.object(summary)) }
            print("payment \(payment): policy \(row["policy_id"] ?? "") entry \(row["entry_number"] ?? "") attempt \(row["attempt"] ?? ""), \(row["rail"] ?? "-") via \(row["processor"] ?? "-"), \(summary["amount"]?.stringValue ?? "") \(row["currency"] ?? ""), \(row["status"] ?? "")\(row["failure_code"].map { " (\($0))" } ?? "")")
            if let key = row["idempotency_key"] { print("idempotency key: \(key)") }
            if let trace = row["trace_number"] { print("ACH \(row["sec_code"] ?? "") trace \(trace), effective \(row["effective_date"] ?? ""), file \(row["ach_file_id"] ?? "not yet cut")") }
            Output.table(["AT", "WHAT", "DETAIL"], timeline.map { [$0.at, $0.what, Self.brief($0.detail)] })
        }

        private static func brief(_ data: JSONValue) -> String {
            let keys = ["outcome", "routing_rules", "failure_code", "retryable", "processor_reference", "trace_number", "idempotency_key"]
            return keys.compactMap { key in data[key].map { "\(key)=\($0.stringValue ?? $0.serialized())" } }.joined(separator: " ")
        }
    }
}
