/// The default chart of accounts (DESIGN §8; rows of `ledger.accounts`, migration 007). Posting rules
/// name accounts by these codes; the carrier payable is split per carrier into `2010-<carrier>`.
public enum LedgerAccount {
    public static let trustCash = "1010"
    public static let operatingCash = "1020"
    public static let cardClearing = "1030"
    public static let achInTransit = "1035"
    /// Return fees assessed and not yet paid, waived or written off (migration 011).
    public static let returnFeesReceivable = "1040"
    public static let carrierPayable = "2010"
    public static let premiumTaxPayable = "2020"
    public static let unappliedCash = "2060"
    public static let commissionPending = "2070"
    public static let feesPending = "2080"
    public static let refundsPayable = "2090"
    public static let commissionIncome = "4010"
    public static let installmentFeeIncome = "4020"
    public static let returnFeeIncome = "4030"
    public static let processorFees = "5010"

    /// The per-carrier payable sub-account under 2010.
    public static func carrierPayable(_ carrierID: String) -> String { "\(carrierPayable)-\(carrierID)" }

    /// Money on its way into the premium trust account: the processor's clearing and ACH in transit.
    public static let trustInTransit: Set<String> = [cardClearing, achInTransit]

    /// Income accounts: recognised only when a payment is final (delayed revenue recognition).
    public static let income: Set<String> = [commissionIncome, installmentFeeIncome, returnFeeIncome]
}

extension LedgerAccount {
    /// The default chart's fiduciary liabilities (migration 007 flags them `fiduciary = 'liability'`):
    /// carrier payables and their sub-accounts, premium tax payable, refunds payable.
    public static func isDefaultFiduciaryLiability(_ code: String) -> Bool {
        code == carrierPayable || code.hasPrefix("\(carrierPayable)-") || code == premiumTaxPayable || code == refundsPayable
    }
}
