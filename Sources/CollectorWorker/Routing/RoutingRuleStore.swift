import CoverPayCore
import Foundation
import Postgres

/// The routing table in `collector.routing_rules`: loaded from `Schemas/rules/routing.json` when
/// empty (first start) or by `coverpay routes load`, read on every decision so an edit applies at once.
public enum RoutingRuleStore {
    public static func defaultFile(schemasDirectory: String) -> String { "\(schemasDirectory)/rules/routing.json" }

    /// The stored table, seeding it from `file` while it is empty.
    public static func table(_ database: PostgresConnection, seedFrom file: String) throws -> RoutingTable {
        let rows = try database.query("SELECT rule::text AS rule FROM collector.routing_rules ORDER BY priority")
        guard rows.isEmpty else {
            return try RoutingTable(json: .object([
                "version": .number("1"), "rules": .array(try rows.map { try JSONValue.parse(Array(try $0.decode("rule", as: String.self).utf8)) }),
            ]))
        }
        // Replicas starting together: one seeds, the others wait and read its rows.
        try database.query("SELECT pg_advisory_xact_lock(hashtextextended('collector.routing_rules', 0))")
        if try database.query("SELECT 1 FROM collector.routing_rules LIMIT 1").isEmpty {
            return try load(file: file, database)
        }
        return try table(database, seedFrom: file)
    }

    /// Replaces the stored table with the file's rules, after checking the whole file.
    @discardableResult
    public static func load(file: String, _ database: PostgresConnection) throws -> RoutingTable {
        guard let data = FileManager.default.contents(atPath: file) else { throw RuleFileError("cannot read routing rules from \(file)") }
        let document: JSONValue
        do { document = try JSONValue.parse(Array(data)) } catch { throw RuleFileError("\(file) is not JSON: \(error)") }
        let table = try RoutingTable(json: document)
        try database.query("DELETE FROM collector.routing_rules")
        for (rule, json) in zip(table.rules, document["rules"]?.arrayValue?.sorted(by: priorityOrder) ?? []) {
            try database.query(
                "INSERT INTO collector.routing_rules (name, priority, rule, source) VALUES ($1, $2, $3::jsonb, $4)",
                [rule.name, rule.priority, json.serialized(), file]
            )
        }
        return table
    }

    private static func priorityOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
        (a["priority"]?.intValue ?? 0) < (b["priority"]?.intValue ?? 0)
    }
}

/// The compliance rules, read once per process from `Schemas/rules/states.json`.
public enum ComplianceRuleFile {
    public static func load(schemasDirectory: String) throws -> ComplianceRules {
        let file = "\(schemasDirectory)/rules/states.json"
        guard let data = FileManager.default.contents(atPath: file) else { throw RuleFileError("cannot read compliance rules from \(file)") }
        do { return try ComplianceRules(json: try JSONValue.parse(Array(data))) } catch { throw RuleFileError("\(file): \(error)") }
    }

    static let cached: Result<ComplianceRules, any Error> = Result {
        try load(schemasDirectory: try CollectorSettings.load().schemasDirectory)
    }
}

public struct RuleFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
