/// Why a `payment_method` object was refused. The routing number gets its own case because it maps
/// to its own failure code (`invalid_routing_number`).
public enum PaymentMethodError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnObject
    case missingField(String)
    case invalidField(String, String)
    case unsupportedType(String)
    case invalidRoutingNumber

    public var description: String {
        switch self {
        case .notAnObject: "payment_method is not a JSON object"
        case .missingField(let name): "payment_method is missing '\(name)'"
        case .invalidField(let name, let reason): "payment_method '\(name)' \(reason)"
        case .unsupportedType(let type): "payment_method type '\(type)' is not card or ach"
        case .invalidRoutingNumber: "payment_method 'routing_number' is not nine digits passing the ABA checksum"
        }
    }

    /// The collection failure reported when an installment's payment method does not parse.
    public var collectionFailure: CollectionFailure {
        self == .invalidRoutingNumber ? .invalidRoutingNumber : .invalidPaymentMethod(description)
    }
}

/// Field reading shared by the card and ACH parsers.
struct PaymentMethodFields {
    let members: [String: JSONValue]

    func required(_ name: String) throws(PaymentMethodError) -> String {
        guard let value = members[name] else { throw .missingField(name) }
        guard let text = value.stringValue, !text.isEmpty else { throw .invalidField(name, "must be a non-empty string") }
        return text
    }

    func optional(_ name: String) throws(PaymentMethodError) -> String? {
        guard let value = members[name], value != .null else { return nil }
        return try required(name)
    }

    func oneOf<T: RawRepresentable<String>>(_ name: String, _: T.Type = T.self) throws(PaymentMethodError) -> T {
        let text = try required(name)
        guard let value = T(rawValue: text) else { throw .invalidField(name, "'\(text)' is not one of the accepted values") }
        return value
    }

    static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
