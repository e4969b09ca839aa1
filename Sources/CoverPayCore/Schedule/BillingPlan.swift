/// How often installments fall due.
public enum BillingFrequency: String, Sendable, Hashable, Codable, CaseIterable {
    case monthly, quarterly, semiannual, annual

    /// The `m` of `d_k = term.start + k × m months`.
    public var monthsPerPeriod: Int {
        switch self {
        case .monthly: 1
        case .quarterly: 3
        case .semiannual: 6
        case .annual: 12
        }
    }
}

/// How an amount is divided among installments: equal parts (modal) or by days covered (daily).
public enum CalculationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case modal, daily
}

public struct BillingPlan: Sendable, Hashable, Codable {
    public var frequency: BillingFrequency
    public var method: CalculationMethod

    public init(frequency: BillingFrequency, method: CalculationMethod) {
        self.frequency = frequency
        self.method = method
    }
}
