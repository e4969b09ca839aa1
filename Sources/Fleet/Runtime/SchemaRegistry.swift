import CoverPayCore
import Foundation

/// Loads `Schemas/events/<type>.schema.json` for the event types a worker consumes.
public enum SchemaRegistry {
    public static func load(types: [String], from schemasDirectory: String) throws -> [String: JSONSchema] {
        var schemas: [String: JSONSchema] = [:]
        for type in types {
            let path = "\(schemasDirectory)/events/\(type).schema.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(variable: "COVERPAY_SCHEMAS_DIR", problem: "no schema for event type '\(type)' at \(path)")
            }
            do {
                schemas[type] = JSONSchema(try JSONValue.parse(Array(data)))
            } catch {
                throw ConfigurationError(variable: "COVERPAY_SCHEMAS_DIR", problem: "\(path) is not valid JSON: \(error)")
            }
        }
        return schemas
    }
}
