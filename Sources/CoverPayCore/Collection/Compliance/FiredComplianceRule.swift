/// A compliance rule that decided something, named `<scope>.<rule>` (e.g. `CT.card_surcharge`,
/// `default.nonpayment_notice`) with its legal source, so every decision can say why.
public struct FiredComplianceRule: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var citation: String

    public init(name: String, citation: String) {
        self.name = name
        self.citation = citation
    }

    public var description: String { "\(name) (\(citation))" }
}

/// A value taken from the state rules together with the rule it came from.
public struct CitedValue<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var rule: FiredComplianceRule
}
