/// Why a bank or processor file was refused: the file, the line (1-based; nil when the fault is
/// the file as a whole) and the reason. Nothing of a refused file is imported.
public struct BankFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int?, _ reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line.map { "\(file): line \($0): \(reason)" } ?? "\(file): \(reason)"
    }
}
