/// What an amount is for: a coverage, an insured asset or a participant.
public enum ItemKind: String, Sendable, Hashable, Codable, CaseIterable {
    case coverage, asset, participant
}

/// A coverage, asset or participant of the policy, identified by `kind` + `ref`.
public struct PolicyItem: Sendable, Hashable, Codable {
    public let kind: ItemKind
    public let ref: String
    public let name: String

    public init(kind: ItemKind, ref: String, name: String) {
        self.kind = kind
        self.ref = ref
        self.name = name
    }

    /// Same coverage, asset or participant (the name is descriptive only).
    public func isSameItem(as other: PolicyItem) -> Bool { kind == other.kind && ref == other.ref }
}

/// Premium, fee and tax: the three components every amount is split by.
public struct ComponentAmounts: Sendable, Hashable, Codable {
    public var premium: Money
    public var fee: Money
    public var tax: Money

    public static let zero = ComponentAmounts(premium: .zero, fee: .zero, tax: .zero)

    public init(premium: Money, fee: Money, tax: Money) {
        self.premium = premium
        self.fee = fee
        self.tax = tax
    }

    public var total: Money { premium + fee + tax }
    public var isZero: Bool { premium.isZero && fee.isZero && tax.isZero }

    public static func + (lhs: ComponentAmounts, rhs: ComponentAmounts) -> ComponentAmounts {
        ComponentAmounts(premium: lhs.premium + rhs.premium, fee: lhs.fee + rhs.fee, tax: lhs.tax + rhs.tax)
    }

    public static func += (lhs: inout ComponentAmounts, rhs: ComponentAmounts) { lhs = lhs + rhs }

    /// Components by index (0 premium, 1 fee, 2 tax), so that splitting can loop over them.
    subscript(component: Int) -> Money {
        get { component == 0 ? premium : component == 1 ? fee : tax }
        set {
            switch component {
            case 0: premium = newValue
            case 1: fee = newValue
            default: tax = newValue
            }
        }
    }

    static let componentCount = 3
}

/// One item's amounts in a transaction (issued amounts, or signed changes).
public struct ItemAmounts: Sendable, Hashable, Codable {
    public var item: PolicyItem
    public var amounts: ComponentAmounts

    public init(item: PolicyItem, amounts: ComponentAmounts) {
        self.item = item
        self.amounts = amounts
    }
}
