/// A policy transaction from upstream, already validated: what the schedule engine applies.
public struct PolicyTransaction: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case issuance(PolicyIssuance)
        case endorsement
        case cancellation(reason: CancellationReason)
        case reinstatement

        public var transactionKind: TransactionKind {
            switch self {
            case .issuance: .issuance
            case .endorsement: .endorsement
            case .cancellation: .cancellation
            case .reinstatement: .reinstatement
            }
        }
    }

    public var policyID: String
    public var transactionID: String
    /// 1 for issuance, +1 per later transaction; the worker orders by it, the engine does not.
    public var sequence: Int
    public var effectiveDate: CalendarDate
    public var kind: Kind
    /// Issued amounts for an issuance; signed changes for the rest of the term otherwise.
    public var items: [ItemAmounts]

    public init(
        policyID: String, transactionID: String, sequence: Int, effectiveDate: CalendarDate,
        kind: Kind, items: [ItemAmounts]
    ) {
        self.policyID = policyID
        self.transactionID = transactionID
        self.sequence = sequence
        self.effectiveDate = effectiveDate
        self.kind = kind
        self.items = items
    }
}

/// The policy-level facts an issuance carries. The schedule uses `term` and `billing`; the rest
/// is kept for the workers that route, bill and account.
public struct PolicyIssuance: Sendable, Hashable, Codable {
    public var policyNumber: String
    public var state: String
    public var lineOfBusiness: String
    public var term: PolicyTerm
    public var currency: Currency
    public var billing: BillingPlan
    public var paymentMethod: JSONValue?
    public var carrierID: String?
    public var agencyID: String?
    /// Decimal string such as "0.15", kept as text so it is never rounded.
    public var commissionRate: String?

    public init(
        policyNumber: String, state: String, lineOfBusiness: String, term: PolicyTerm,
        currency: Currency = .usd, billing: BillingPlan, paymentMethod: JSONValue? = nil,
        carrierID: String? = nil, agencyID: String? = nil, commissionRate: String? = nil
    ) {
        self.policyNumber = policyNumber
        self.state = state
        self.lineOfBusiness = lineOfBusiness
        self.term = term
        self.currency = currency
        self.billing = billing
        self.paymentMethod = paymentMethod
        self.carrierID = carrierID
        self.agencyID = agencyID
        self.commissionRate = commissionRate
    }
}

public enum CancellationReason: String, Sendable, Hashable, Codable, CaseIterable {
    case insuredRequest = "insured_request"
    case nonpayment
    case underwriting
}

/// The transaction an entry was created by.
public enum TransactionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case issuance, endorsement, cancellation, reinstatement
}
