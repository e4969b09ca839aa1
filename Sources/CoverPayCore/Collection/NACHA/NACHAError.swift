/// Why a NACHA file could not be built or parsed.
public enum NACHAError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidValue(String)
    case malformedRecord(line: Int, String)
    case structure(String)
    case controlMismatch(String)

    public var description: String {
        switch self {
        case .invalidValue(let detail): "invalid NACHA value: \(detail)"
        case .malformedRecord(let line, let detail): "NACHA record on line \(line) \(detail)"
        case .structure(let detail): "invalid NACHA file structure: \(detail)"
        case .controlMismatch(let detail): "NACHA control totals do not match: \(detail)"
        }
    }
}
