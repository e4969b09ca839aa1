import Foundation

/// Finds the `Schemas/` folder (event schemas, migrations, rules) that ships beside the binaries:
/// upwards from the working directory, then upwards from the executable (`.build/debug/…`).
enum ProjectFiles {
    static func locateSchemas() throws(ConfigurationError) -> String {
        let starts = [
            FileManager.default.currentDirectoryPath,
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent().path,
        ]
        for start in starts {
            var folder = URL(fileURLWithPath: start)
            while folder.path != "/" {
                let candidate = folder.appendingPathComponent("Schemas/migrations")
                if FileManager.default.fileExists(atPath: candidate.path) {
                    return folder.appendingPathComponent("Schemas").path
                }
                folder.deleteLastPathComponent()
            }
        }
        throw ConfigurationError(variable: "COVERPAY_SCHEMAS_DIR", problem: "no Schemas/ folder found above \(starts[0]); set it to the project's Schemas folder")
    }
}
