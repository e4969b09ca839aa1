/// A value in an AMQP field table (message headers, queue arguments), reduced to the kinds CoverPay uses.
public enum AMQPFieldValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case table([String: AMQPFieldValue])
    case array([AMQPFieldValue])
    case timestamp(UInt64)

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): value
        case .timestamp(let value): Int64(value)
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .timestamp(let value): "\(value)"
        case .table(let members): "{" + members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

public typealias AMQPTable = [String: AMQPFieldValue]
