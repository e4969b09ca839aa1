import CoverPayCore
import Fleet
import Foundation

/// The state rules (`Schemas/rules/states.json`) the retrier decides notices and fees from,
/// read once per process.
enum RetrierRules {
    private static let loaded: Result<ComplianceRules, any Error> = Result {
        let directory = try FleetConfiguration(worker: RetrierWorker.name).schemasDirectory
        let file = "\(directory)/rules/states.json"
        guard let data = FileManager.default.contents(atPath: file) else { throw HandlerError.transient("cannot read \(file)") }
        return try ComplianceRules(json: try JSONValue.parse(Array(data)))
    }

    static func compliance() throws -> ComplianceRules { try loaded.get() }
}
