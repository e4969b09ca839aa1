extension PolicyTransaction {
    /// The event types this parser reads, by transaction kind.
    public static let eventTypes: [String: TransactionKind] = [
        "coverpay.policy.issued": .issuance,
        "coverpay.policy.endorsed": .endorsement,
        "coverpay.policy.cancelled": .cancellation,
        "coverpay.policy.reinstated": .reinstatement,
    ]

    /// Parses a `coverpay.policy.*` event's `data` (DESIGN §3), refusing with the field path and
    /// value anything the engine could not bill exactly.
    public init(event: CloudEvent) throws(ScheduleError) {
        guard let kind = Self.eventTypes[event.type] else {
            throw ScheduleError(.unknownEventType, "event type '\(event.type)' is not a policy transaction (\(Self.eventTypes.keys.sorted().joined(separator: ", ")))")
        }
        let data = try EventFields(event.data, path: "data")
        let policyID = try data.string("policy_id")
        if let subject = event.subject, subject != policyID {
            throw ScheduleError(.policyMismatch, "data.policy_id '\(policyID)' differs from the event subject '\(subject)'")
        }
        let sequence = try data.integer("sequence", code: .sequence)
        guard sequence >= 1 else {
            throw ScheduleError(.sequence, "data.sequence \(sequence) must be 1 or more")
        }
        guard kind != .issuance || sequence == 1 else {
            throw ScheduleError(.sequence, "data.sequence \(sequence): an issuance is sequence 1")
        }
        if kind != .issuance, let currency = try data.optionalString("currency") {
            try Self.checkCurrency(currency, at: data.fieldPath("currency"))
        }

        self.init(
            policyID: policyID,
            transactionID: try data.string("transaction_id"),
            sequence: sequence,
            effectiveDate: try data.date("effective_date"),
            kind: try Self.kind(kind, data: data),
            items: try Self.items(data)
        )
    }

    private static func kind(_ kind: TransactionKind, data: EventFields) throws(ScheduleError) -> Kind {
        switch kind {
        case .issuance: .issuance(try issuance(data))
        case .endorsement: .endorsement
        case .cancellation: .cancellation(reason: try data.enumeration("reason", as: CancellationReason.self, code: .invalidField))
        case .reinstatement: .reinstatement
        }
    }

    private static func issuance(_ data: EventFields) throws(ScheduleError) -> PolicyIssuance {
        let termFields = try data.object("term")
        let term = try PolicyTerm(start: termFields.date("start"), end: termFields.date("end"))
        let billing = try data.object("billing")
        let currency = try data.string("currency")
        try checkCurrency(currency, at: data.fieldPath("currency"))
        let state = try data.string("state")
        guard state.utf8.count == 2, state.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ScheduleError(.invalidField, "data.state '\(state)' must be a two-letter US jurisdiction code")
        }
        let commissionRate = try data.optionalString("commission_rate")
        if let commissionRate {
            do {
                _ = try Money(parsing: commissionRate)
            } catch {
                throw ScheduleError(.invalidField, "data.commission_rate '\(commissionRate)' must be a decimal string like \"0.15\"")
            }
        }
        return PolicyIssuance(
            policyNumber: try data.string("policy_number"),
            state: state,
            lineOfBusiness: try data.string("line_of_business"),
            term: term,
            currency: .usd,
            billing: BillingPlan(
                frequency: try billing.enumeration("frequency", as: BillingFrequency.self, code: .unknownFrequency),
                method: try billing.enumeration("calculation_method", as: CalculationMethod.self, code: .unknownMethod)
            ),
            // Kept only for the rail: never the bank account number (the leak scan found it stored here).
            paymentMethod: data.optional("payment_method").map(PaymentMethodMasking.masked),
            carrierID: try data.optionalString("carrier_id"),
            agencyID: try data.optionalString("agency_id"),
            commissionRate: commissionRate
        )
    }

    private static func items(_ data: EventFields) throws(ScheduleError) -> [ItemAmounts] {
        var items: [ItemAmounts] = []
        for (index, element) in try data.array("items").enumerated() {
            let fields = try EventFields(element, path: "data.items[\(index)]")
            let ref = try fields.string("ref")
            let item = PolicyItem(
                kind: try fields.enumeration("kind", as: ItemKind.self, code: .unknownItemKind),
                ref: ref,
                name: try fields.optionalString("name") ?? ref
            )
            let amounts = ComponentAmounts(
                premium: try fields.money("premium"), fee: try fields.money("fee"), tax: try fields.money("tax")
            )
            items.append(ItemAmounts(item: item, amounts: amounts))
        }
        return items
    }

    private static func checkCurrency(_ code: String, at path: String) throws(ScheduleError) {
        do {
            _ = try Currency(code: code)
        } catch {
            throw ScheduleError.money(error, at: path)
        }
    }
}
