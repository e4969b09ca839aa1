import ArgumentParser
import Fleet

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending SQL migrations from Schemas/migrations, each in a transaction."
    )

    func run() throws {
        let environment = try CLIEnvironment()
        let migrator = try Migrator(directory: "\(environment.configuration.schemasDirectory)/migrations")
        let applied = try migrator.migrate(try environment.migrationDatabase())
        print(applied.isEmpty ? "database is up to date (\(migrator.migrations.count) migrations)" : "applied migrations: \(applied.joined(separator: ", "))")
    }
}
