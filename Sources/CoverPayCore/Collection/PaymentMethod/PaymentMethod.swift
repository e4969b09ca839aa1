/// The `payment_method` of DESIGN §3: a card token or a bank account for ACH.
public enum PaymentMethod: Sendable, Hashable {
    case card(CardPaymentMethod)
    case ach(ACHPaymentMethod)

    public init(json: JSONValue) throws(PaymentMethodError) {
        guard let members = json.objectValue else { throw .notAnObject }
        let fields = PaymentMethodFields(members: members)
        switch try fields.required("type") {
        case "card": self = .card(try CardPaymentMethod(fields: fields))
        case "ach": self = .ach(try ACHPaymentMethod(fields: fields))
        case let other: throw .unsupportedType(other)
        }
    }

    public var rail: PaymentRail {
        switch self {
        case .card: .card
        case .ach: .ach
        }
    }

    /// Safe for logs, events and CLI output: the token is kept (it is not a secret card number),
    /// the bank account number is reduced to its last four digits.
    public var masked: JSONValue {
        switch self {
        case .card(let card):
            var members: [String: JSONValue] = [
                "type": .string("card"), "token": .string(card.token), "brand": .string(card.brand.name), "last4": .string(card.last4),
            ]
            if card.funding != .unknown { members["funding"] = .string(card.funding.rawValue) }
            return .object(members)
        case .ach(let ach):
            var members: [String: JSONValue] = [
                "type": .string("ach"), "routing_number": .string(ach.routingNumber.digits),
                "account_number": .string(ach.maskedAccountNumber), "account_last4": .string(String(ach.accountNumber.suffix(4))),
                "account_type": .string(ach.accountType.rawValue), "holder": .string(ach.holder.rawValue),
            ]
            if let authorization = ach.authorization {
                members["authorization"] = .object([
                    "id": .string(authorization.id), "method": .string(authorization.method.rawValue), "at": .string(authorization.at),
                ])
            }
            return .object(members)
        }
    }

    /// One line for logs: "visa ****4242" or "ach checking ****6789".
    public var maskedSummary: String {
        switch self {
        case .card(let card): "\(card.brand.name) ****\(card.last4)"
        case .ach(let ach): "ach \(ach.accountType.rawValue) \(ach.maskedAccountNumber)"
        }
    }
}
