/// A collector setting that is missing or malformed, named by its environment variable.
public struct CollectorConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let problem: String

    public var description: String { "\(variable): \(problem)" }
}
