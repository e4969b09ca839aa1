import CoverPayCore

/// A card processor adapter. A real one (Stripe, Adyen, …) slots in behind the same two calls.
/// Every charge carries an idempotency key: the processor answers a repeated key with the first
/// charge's outcome and never charges twice.
public protocol CardProcessor: Sendable {
    var name: String { get }
    /// Throws only when the request was certainly not received (e.g. connection refused); a lost
    /// answer is `.noAnswer`, to be settled by `status`.
    func charge(_ request: CardChargeRequest) throws -> CardChargeResult
    /// What happened to the charge sent with this key, if the processor ever received it.
    func status(idempotencyKey: String) throws -> CardChargeStatus
}

public struct CardChargeRequest: Sendable {
    public var idempotencyKey: String
    public var token: String
    public var brand: CardBrand
    public var amount: Money
    public var currency: String
    /// Which attempt of the installment this is (metadata; the sandbox's `_once` tokens use it).
    public var attempt: Int

    public init(idempotencyKey: String, token: String, brand: CardBrand, amount: Money, currency: String, attempt: Int) {
        self.idempotencyKey = idempotencyKey
        self.token = token
        self.brand = brand
        self.amount = amount
        self.currency = currency
        self.attempt = attempt
    }
}

public enum CardChargeResult: Sendable, Equatable {
    case approved(reference: String)
    case declined(code: String, reference: String)
    /// The request may have been charged; only a status query can tell.
    case noAnswer(String)
}

public enum CardChargeStatus: Sendable, Equatable {
    case approved(reference: String)
    case declined(code: String, reference: String)
    /// The processor has no charge with this key: it never arrived.
    case notFound
}
