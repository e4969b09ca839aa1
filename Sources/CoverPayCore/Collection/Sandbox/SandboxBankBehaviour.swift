/// What the sandbox bank does with a debit, by the account number's last four digits (DESIGN §11).
public enum SandboxBankOutcome: Sendable, Hashable {
    case settles
    /// Returned within the normal window (the next return file).
    case returned(ACHReturnCode)
    /// Settles, then comes back `bankingDaysAfterSettlement` banking days later: a late return
    /// that reverses a payment which looked final.
    case lateReturn(ACHReturnCode, bankingDaysAfterSettlement: Int)
}

public enum SandboxBankBehaviour {
    public static let lateReturnBankingDays = 3

    /// `00NN`: returned RNN on every presentment; `01NN`: returned RNN on the first presentment
    /// only; `02NN`: returned RNN late, 3 banking days after settlement, on every presentment;
    /// anything else (including NN = 00) settles.
    /// - Parameter presentment: 1 for the original entry, 2 and 3 for reinitiations.
    public static func outcome(accountNumber: String, presentment: Int) -> SandboxBankOutcome {
        let last4 = Array(accountNumber.suffix(4))
        guard last4.count == 4, let code = ACHReturnCode("R" + String(last4[2...])) else { return .settles }
        switch String(last4[..<2]) {
        case "00": return .returned(code)
        case "01": return presentment <= 1 ? .returned(code) : .settles
        case "02": return .lateReturn(code, bankingDaysAfterSettlement: lateReturnBankingDays)
        default: return .settles
        }
    }
}
