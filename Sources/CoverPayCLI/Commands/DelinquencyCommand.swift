import ArgumentParser
import CoverPayCore
import Fleet
import Postgres

/// Delinquency per policy (the retrier's `retrier.policies` and `retrier.history`), DESIGN §12.
struct DelinquencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delinquency", abstract: "Delinquent policies: stage, past-due amount, notice and history.", subcommands: [List.self, Show.self]
    )

    static let columns = """
        p.policy_id, p.stage, p.notice_requested_on::text AS notice_requested_on,
        p.earliest_cancellation_date::text AS earliest_cancellation_date,
        (SELECT coalesce(sum(i.amount_cents), 0)::bigint FROM retrier.installments i
          WHERE i.policy_id = p.policy_id AND i.status IN ('retrying', 'stopped')) AS past_due_cents
        """

    /// `{policy_id, state, past_due_amount, notice: null or {requested_on, earliest_cancellation_date}, history: [{state, at}]}`
    static func json(_ row: PostgresRow, history: [PostgresRow]) throws -> JSONValue {
        let notice: JSONValue = row["notice_requested_on"].map { requested in
            .object(["requested_on": .string(requested), "earliest_cancellation_date": row["earliest_cancellation_date"].map(JSONValue.string) ?? .null])
        } ?? .null
        return .object([
            "policy_id": .string(try row.decode("policy_id")), "state": .string(try row.decode("stage")),
            "past_due_amount": .string(Money(cents: try row.decode("past_due_cents")).description), "notice": notice,
            "history": .array(history.map { .object(["state": .string($0["to_stage"] ?? ""), "at": .string($0["changed_on"] ?? "")]) }),
        ])
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Policies not current (all with --all).")
        @Flag(help: "Include current policies.") var all = false
        @Option(help: "Only this stage (past_due, notice_sent, cancellation_requested, cancelled).") var stage: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            if let stage, DelinquencyStage(rawValue: stage) == nil {
                throw CLIError("unknown stage '\(stage)': one of \(DelinquencyStage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let rows = try CLIEnvironment().database().query(
                """
                SELECT \(DelinquencyCommand.columns) FROM retrier.policies p
                WHERE ($1 OR p.stage <> 'current') AND ($2::text IS NULL OR p.stage = $2) ORDER BY p.policy_id
                """,
                [all, stage]
            )
            if json { return Output.json(.array(try rows.map { try DelinquencyCommand.json($0, history: []) })) }
            Output.table(["POLICY", "STAGE", "PAST DUE", "NOTICE", "EARLIEST CANCELLATION"], rows.map { row in
                [row["policy_id"] ?? "", row["stage"] ?? "", (try? Money(cents: row.decode("past_due_cents")).description) ?? "",
                 row["notice_requested_on"] ?? "-", row["earliest_cancellation_date"] ?? "-"]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One policy's delinquency and its history.")
        @Argument(help: "The policy.") var policy: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try CLIEnvironment().database()
            guard let row = try database.query("SELECT \(DelinquencyCommand.columns) FROM retrier.policies p WHERE p.policy_id = $1", [policy]).first else {
                throw CLIError("unknown policy '\(policy)': the retrier has seen no installment of it")
            }
            let history = try database.query(
                "SELECT to_stage, changed_on::text AS changed_on FROM retrier.history WHERE policy_id = $1 ORDER BY id", [policy]
            )
            let value = try DelinquencyCommand.json(row, history: history)
            if json { return Output.json(value) }
            print("policy:          \(policy)")
            print("stage:           \(row["stage"] ?? "")")
            print("past due:        \(value["past_due_amount"]?.stringValue ?? "")")
            if let notice = value["notice"], notice != .null {
                print("notice:          requested \(notice["requested_on"]?.stringValue ?? ""), earliest cancellation \(notice["earliest_cancellation_date"]?.stringValue ?? "")")
            }
            print("")
            Output.table(["STAGE", "ON"], history.map { [$0["to_stage"] ?? "", $0["changed_on"] ?? ""] })
        }
    }
}
