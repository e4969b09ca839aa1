import ArgumentParser
import CollectorWorker
import CoverPayCore
import Foundation

struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "List, load and test the collector's routing table.", subcommands: [List.self, Load.self, Test.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the routing rules in priority order (loading routing.json if none are stored).")
        @Flag(help: "Print the table as routing.json-style JSON.") var json = false

        func run() throws {
            let environment = try CLIEnvironment()
            let table = try RoutingRuleStore.table(
                try environment.database(), seedFrom: RoutingRuleStore.defaultFile(schemasDirectory: environment.configuration.schemasDirectory)
            )
            if json { return Output.json(table.json) }
            Output.table(["PRIORITY", "NAME", "WHEN", "THEN"], table.rules.map { rule in
                let ruleJSON = table.json["rules"]?.arrayValue?.first { $0["name"]?.stringValue == rule.name }
                return ["\(rule.priority)", rule.name, ruleJSON?["when"]?.serialized() ?? "{}", ruleJSON?["then"]?.serialized() ?? ""]
            })
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the stored routing table with a file's rules (checked first).")
        @Option(help: "The rule file (default: Schemas/rules/routing.json).") var file: String?

        func run() throws {
            let environment = try CLIEnvironment()
            let path = file ?? RoutingRuleStore.defaultFile(schemasDirectory: environment.configuration.schemasDirectory)
            do {
                let table = try environment.database().transaction { try RoutingRuleStore.load(file: path, $0) }
                print("loaded \(table.rules.count) routing rule(s) from \(path)")
            } catch let error as RoutingTableError {
                throw CLIError("\(path): \(error)")
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which rules would fire for a policy's next installment, and why.",
            discussion: "Uses the collector's copy of the policy (payment method, state, line of business, cancellation) and the stored routing table; collects nothing."
        )
        @Option(help: "The policy id.") var policy: String
        @Option(help: "The installment amount (default: the policy's next open installment).") var amount: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let amountValue = try amount.map { text in
                do { return try Money(parsing: text) } catch { throw CLIError("--amount '\(text)' is not a decimal amount") }
            }
            let test: RouteTest
            do {
                test = try RouteTest(policyID: policy, amount: amountValue, try CLIEnvironment().database())
            } catch let error as RuleFileError {
                throw CLIError(error.description)
            }
            let descriptions = Dictionary(uniqueKeysWithValues: test.table.rules.map { ($0.name, $0.description ?? "") })
            let (routing, compliance) = switch test.outcome {
            case .success(let plan): (plan.routingRules, plan.complianceRules)
            case .failure(let refusal): (refusal.routingRules, refusal.complianceRules)
            }
            var result: [String: JSONValue] = [
                "policy_id": .string(policy), "amount": .string(test.amount.description),
                "payment_method": test.policy.maskedPaymentMethod ?? .null,
                "state": test.policy.state.map(JSONValue.string) ?? .null,
                "line_of_business": test.policy.lineOfBusiness.map(JSONValue.string) ?? .null,
                "routing_rules": .array(routing.map { .object(["name": .string($0), "description": .string(descriptions[$0] ?? "")]) }),
                "compliance_rules": .array(compliance.map { .object(["name": .string($0.name), "citation": .string($0.citation)]) }),
            ]
            switch test.outcome {
            case .success(let plan):
                result["outcome"] = .string("routed")
                result["rail"] = .string(plan.route.rail.rawValue)
                result["processor"] = .string(plan.route.processor)
                result["sec_code"] = plan.route.secCode.map { .string($0.rawValue) } ?? .null
                result["fee"] = .string(plan.fee.description)
            case .failure(let refusal):
                result["outcome"] = .string("refused")
                result["failure_code"] = .string(refusal.failure.code)
                result["reason"] = .string(refusal.detail)
            }
            if json { return Output.json(.object(result)) }
            print("policy \(policy), installment \(test.amount), \(test.policy.maskedPaymentMethod == nil ? "no payment method" : summary(test.policy))")
            switch test.outcome {
            case .success(let plan):
                print("→ \(plan.route.rail.rawValue) via \(plan.route.processor)\(plan.route.secCode.map { " (\($0.rawValue))" } ?? ""), fee \(plan.fee)")
            case .failure(let refusal):
                print("→ refused: \(refusal.failure.code) — \(refusal.detail)")
            }
            print("routing rules that fired:")
            routing.forEach { print("  \($0): \(descriptions[$0] ?? "")") }
            if routing.isEmpty { print("  (none)") }
            print("compliance rules that fired:")
            compliance.forEach { print("  \($0.name): \($0.citation)") }
            if compliance.isEmpty { print("  (none)") }
        }

        private func summary(_ policy: CollectorPolicy) -> String {
            let method = policy.maskedPaymentMethod
            let kind = method?["type"]?.stringValue ?? "?"
            let last4 = method?["last4"]?.stringValue ?? method?["account_last4"]?.stringValue ?? "????"
            return "\(kind) ****\(last4), \(policy.state ?? "-"), \(policy.lineOfBusiness ?? "-")\(policy.cancelled ? ", CANCELLED" : "")"
        }
    }
}
