import Foundation

/// Reads one setting from the environment: `NAME`, or else the file that `NAME_FILE` names, its
/// text trimmed of surrounding whitespace. Secrets (URLs with passwords, keys, OAuth tokens) reach
/// a container as mounted files this way and stay out of `/proc/<pid>/environ` and `docker
/// inspect`. Every setting is read through here, so every one has its `_FILE` form. An error
/// names the variable and the file, never the value.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]

    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func value(_ name: String) throws(ConfigurationError) -> String? {
        if let text = environment[name], !text.isEmpty { return text }
        guard let path = environment["\(name)_FILE"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(variable: "\(name)_FILE", problem: "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    public func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = try value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
