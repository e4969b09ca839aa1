import Foundation
import Postgres

/// Applies `Schemas/migrations/NNN_name.sql` in order, each in its own transaction with its record
/// in `coverpay.schema_migrations`; an advisory lock keeps two migrators from racing.
public struct Migrator {
    public struct Migration: Sendable {
        public let version: String
        public let name: String
        public let sql: String
    }

    public let migrations: [Migration]

    public init(directory: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        migrations = try files.map { file in
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), Int(stem[..<underscore]) != nil else {
                throw ConfigurationError(variable: "migrations", problem: "\(file) is not named NNN_name.sql")
            }
            let sql = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            return Migration(version: String(stem[..<underscore]), name: String(stem[stem.index(after: underscore)...]), sql: sql)
        }
    }

    /// Applies the pending migrations and returns their versions.
    @discardableResult
    public func migrate(_ database: PostgresConnection) throws -> [String] {
        try database.query("SELECT pg_advisory_lock(7201)")
        defer { _ = try? database.query("SELECT pg_advisory_unlock(7201)") }
        try database.execute(script: """
            CREATE SCHEMA IF NOT EXISTS coverpay;
            CREATE TABLE IF NOT EXISTS coverpay.schema_migrations (
                version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            """)
        let done = try applied(database)
        var newlyApplied: [String] = []
        for migration in migrations where !done.contains(migration.version) {
            try database.transaction { transaction in
                try transaction.execute(script: migration.sql)
                try transaction.query(
                    "INSERT INTO coverpay.schema_migrations (version, name) VALUES ($1, $2)",
                    [migration.version, migration.name]
                )
            }
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }

    /// Versions not yet applied; workers refuse to start while any remain.
    public func pending(_ database: PostgresConnection) throws -> [String] {
        let exists = try database.query("SELECT to_regclass('coverpay.schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode("present", as: Bool.self) == true else { return migrations.map(\.version) }
        let done = try applied(database)
        return migrations.map(\.version).filter { !done.contains($0) }
    }

    private func applied(_ database: PostgresConnection) throws -> Set<String> {
        Set(try database.query("SELECT version FROM coverpay.schema_migrations").map { try $0.decode("version", as: String.self) })
    }
}
