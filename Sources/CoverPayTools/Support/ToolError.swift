/// A fuzz or chaos run that cannot start or carry on: one line for the operator.
public struct ToolError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
