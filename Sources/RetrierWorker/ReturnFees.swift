import CoverPayCore
import Fleet

/// Return fees: only after R01/R09 and only where the state's `return_fee` rule allows one
/// (`ComplianceRules.returnFee`). Nacha allows one return fee per returned entry; a reinitiation
/// is the same entry presented again, so one fee per installment, whatever its presentments (the
/// fee id is the installment's).
struct ReturnFees {
    let book: RecoveryBook

    func assess(policy: RecoveryBook.Policy, failure: PaymentFailure, code: ACHReturnCode) throws {
        guard let fee = try RetrierRules.compliance().returnFee(state: policy.state, code: code) else { return }
        let feeID = "return_fee:\(policy.policyID):\(failure.entryNumber)"
        let inserted = try book.database.query(
            """
            INSERT INTO retrier.fees (fee_id, policy_id, entry_number, kind, code, amount_cents, rule, assessed_on)
            VALUES ($1, $2, $3, 'return_fee', $4, $5, $6, $7::date) ON CONFLICT DO NOTHING RETURNING fee_id
            """,
            [feeID, policy.policyID, failure.entryNumber, code.rawValue, fee.value.cents, fee.rule.name, book.today.description]
        )
        guard !inserted.isEmpty else { return }
        try book.context.emit(type: "coverpay.fee.assessed", subject: policy.policyID, data: .object([
            "policy_id": .string(policy.policyID), "fee_id": .string(feeID), "kind": .string("return_fee"),
            "amount": .string(fee.value.description), "currency": .string("USD"), "entry_number": .number("\(failure.entryNumber)"),
            "code": .string(code.rawValue), "payment_id": .string(failure.paymentID), "rule": .string(fee.rule.name),
            "citation": .string(fee.rule.citation), "assessed_on": .string(book.today.description),
        ]))
    }
}
