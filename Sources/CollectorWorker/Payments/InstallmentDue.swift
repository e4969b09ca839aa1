import CoverPayCore
import Fleet

/// The `coverpay.installment.due` the scheduler publishes (the retrier may add `attempt`).
struct InstallmentDue {
    var policyID: String
    var policyNumber: String?
    var entryNumber: Int
    var attempt: Int
    var scheduleDate: CalendarDate
    var amount: Money
    var currency: String
    var state: String?
    var lineOfBusiness: String?
    /// The schedule transaction that created the entry (issuance, endorsement, cancellation, …).
    var transaction: String?

    init(event: CloudEvent) throws(HandlerError) {
        let data = event.data
        func reject(_ detail: String) -> HandlerError { .rejected(reason: "invalid_field", detail: detail) }
        guard let policyID = data["policy_id"]?.stringValue else { throw reject("data.policy_id is missing") }
        guard let entryNumber = data["entry_number"]?.intValue, entryNumber >= 1 else { throw reject("data.entry_number must be 1 or more") }
        let attempt = data["attempt"]?.intValue ?? 1
        guard attempt >= 1 else { throw reject("data.attempt must be 1 or more") }
        guard let dateText = data["schedule_date"]?.stringValue, let scheduleDate = try? CalendarDate(iso: dateText) else {
            throw reject("data.schedule_date must be a YYYY-MM-DD date")
        }
        guard let amountText = data["amount"]?.stringValue, let amount = try? Money(parsing: amountText), amount > .zero else {
            throw reject("data.amount must be a positive decimal string")
        }
        self.policyID = policyID
        self.policyNumber = data["policy_number"]?.stringValue
        self.entryNumber = entryNumber
        self.attempt = attempt
        self.scheduleDate = scheduleDate
        self.amount = amount
        self.currency = data["currency"]?.stringValue ?? ""
        self.state = data["state"]?.stringValue
        self.lineOfBusiness = data["line_of_business"]?.stringValue
        self.transaction = data["transaction"]?.stringValue
    }

    /// A positive cancellation entry is earned premium for coverage already given: owed even though
    /// the policy is cancelled, so it is collected (docs/retrier.md, "Cancelled policies").
    var isEarnedPremiumOfCancellation: Bool { transaction == "cancellation" }

    /// Seeds the processor split: the same installment always goes to the same processor.
    var installmentID: String { "\(policyID):\(entryNumber)" }

    /// Installment + attempt: what the processor deduplicates on.
    var idempotencyKey: String { "\(policyID):\(entryNumber):\(attempt)" }
}
