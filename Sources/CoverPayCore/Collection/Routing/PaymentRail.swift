/// How an installment is collected.
public enum PaymentRail: String, Sendable, Hashable, CaseIterable {
    case card, ach
}
