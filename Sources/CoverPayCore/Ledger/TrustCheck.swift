/// The trust invariant (DESIGN §8): the money held for others must be there. Premium trust cash
/// (1010) plus premium still on its way into the trust account (card clearing 1030, ACH in transit
/// 1035: collections post their payables before the processor or bank has paid out) must cover the
/// fiduciary liabilities: carrier payables, premium tax payable, refunds payable.
public struct TrustCheck: Sendable, Hashable {
    public var trustCash: Money
    public var inTransit: Money
    public var fiduciaryLiabilities: Money

    public init(trustCash: Money, inTransit: Money, fiduciaryLiabilities: Money) {
        self.trustCash = trustCash
        self.inTransit = inTransit
        self.fiduciaryLiabilities = fiduciaryLiabilities
    }

    /// From account balances (debit minus credit); `isFiduciaryLiability` says which accounts count.
    public init(balances: [String: Money], isFiduciaryLiability: (String) -> Bool) {
        var liabilities = Money.zero, inTransit = Money.zero
        for (account, net) in balances {
            if isFiduciaryLiability(account) { liabilities -= net }
            if LedgerAccount.trustInTransit.contains(account) { inTransit += net }
        }
        self.init(trustCash: balances[LedgerAccount.trustCash] ?? .zero, inTransit: inTransit, fiduciaryLiabilities: liabilities)
    }

    public var covered: Money { trustCash + inTransit }
    public var shortfall: Money { max(fiduciaryLiabilities - covered, .zero) }
    public var holds: Bool { shortfall.isZero }
}
