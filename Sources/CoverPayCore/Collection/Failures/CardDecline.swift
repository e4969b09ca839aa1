/// A card processor's decline: its response code (an ISO 8583 code such as "51", or a sandbox
/// name such as "insufficient_funds"), the brand, and Mastercard's Merchant Advice Code when sent.
public struct CardDecline: Sendable, Hashable {
    public var code: String
    public var brand: CardBrand
    public var merchantAdviceCode: String?

    public init(code: String, brand: CardBrand, merchantAdviceCode: String? = nil) {
        self.code = code
        self.brand = brand
        self.merchantAdviceCode = merchantAdviceCode
    }
}

/// Hard or soft, and the classification rule that said so (recorded with the failure).
public struct DeclineClassification: Sendable, Hashable {
    public var isHard: Bool
    public var rule: String
}
