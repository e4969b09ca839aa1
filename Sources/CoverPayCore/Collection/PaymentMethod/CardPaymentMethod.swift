/// A card on file, known only by the processor's token (never the card number).
public struct CardPaymentMethod: Sendable, Hashable {
    public var token: String
    public var brand: CardBrand
    public var last4: String
    /// From the optional `funding` field; `.unknown` when the event does not say.
    public var funding: CardFunding

    public init(token: String, brand: CardBrand, last4: String, funding: CardFunding = .unknown) {
        self.token = token
        self.brand = brand
        self.last4 = last4
        self.funding = funding
    }

    init(fields: PaymentMethodFields) throws(PaymentMethodError) {
        token = try fields.required("token")
        guard token.hasPrefix("tok_") else { throw .invalidField("token", "must be a processor token starting with 'tok_'") }
        brand = CardBrand(name: try fields.required("brand"))
        last4 = try fields.required("last4")
        guard last4.utf8.count == 4, PaymentMethodFields.isDigits(last4) else { throw .invalidField("last4", "must be exactly four digits") }
        funding = try fields.optional("funding").map { text throws(PaymentMethodError) in
            guard let funding = CardFunding(rawValue: text) else { throw .invalidField("funding", "'\(text)' is not credit, debit or prepaid") }
            return funding
        } ?? .unknown
    }

    /// Surcharges are allowed on credit cards only. An unknown funding type is treated like debit,
    /// because surcharging a debit card breaks network rules while skipping a fee costs little.
    public var mayCarrySurcharge: Bool { funding == .credit }
}

public enum CardBrand: Sendable, Hashable {
    case visa, mastercard, amex, discover
    case other(String)

    init(name: String) {
        switch name.lowercased() {
        case "visa": self = .visa
        case "mastercard", "master_card", "mc": self = .mastercard
        case "amex", "american_express": self = .amex
        case "discover": self = .discover
        case let other: self = .other(other)
        }
    }

    public var name: String {
        switch self {
        case .visa: "visa"
        case .mastercard: "mastercard"
        case .amex: "amex"
        case .discover: "discover"
        case .other(let name): name
        }
    }
}

public enum CardFunding: String, Sendable, Hashable {
    case credit, debit, prepaid
    case unknown
}
