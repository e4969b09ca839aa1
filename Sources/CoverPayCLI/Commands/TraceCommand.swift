import ArgumentParser
import CoverPayCore
import Fleet

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Everything that happened to a policy, or one installment, across all workers, in order.",
        discussion: """
            Published events (routing with the rule that fired, attempts, outcomes, retries, settlement, returns, \
            delinquency, notices), schedule entry revisions, journal entries, dead letters and what operators did with them.
            """
    )

    @Argument(help: "The policy id.") var policy: String
    @Option(help: "Only this installment (entry number), with the policy-wide steps it caused.") var entry: Int?
    @Flag(help: "Print {policy_id, steps: [{at, type, worker, entry_number, summary, event_id}]}.") var json = false

    func run() throws {
        let environment = try CLIEnvironment()
        let reader = PolicyTraceReader(
            database: try environment.database(), broker: try environment.broker(),
            deadLetterQueues: Catalog.deadLetterQueues
        )
        guard let trace = try reader.trace(policy, entry: entry) else {
            throw CLIError("no policy '\(policy)': no schedule, event, journal entry or dead letter mentions it")
        }
        if let entry, trace.steps.allSatisfy({ $0.entryNumber != entry }) {
            throw CLIError("policy '\(policy)' has no installment \(entry) in its history (see `coverpay schedule show \(policy)`)")
        }
        if json { return Output.json(trace.json) }
        Output.table(
            ["AT", "TYPE", "WORKER", "ENTRY", "SUMMARY"],
            trace.steps.map { [$0.at, $0.type.replacingPrefix("coverpay."), $0.worker, $0.entryNumber.map(String.init) ?? "-", $0.summary] }
        )
    }
}

private extension String {
    func replacingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
