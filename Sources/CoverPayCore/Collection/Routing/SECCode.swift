/// NACHA Standard Entry Class code of a debit, chosen from how the authorization was obtained.
public enum SECCode: String, Sendable, Hashable, CaseIterable {
    /// Prearranged payment: consumer, written (signed or similarly authenticated) authorization.
    case ppd = "PPD"
    /// Internet-initiated: consumer authorized online.
    case web = "WEB"
    /// Telephone-initiated: consumer authorized by phone (recorded or confirmed in writing).
    case tel = "TEL"
    /// Corporate credit or debit: a business account under a trading-partner agreement.
    case ccd = "CCD"
    /// Notification of change: only in files from the RDFI (addenda 98), never originated.
    case cor = "COR"

    /// The SEC code an authorization implies: any business holder is CCD; a consumer's is PPD,
    /// WEB or TEL by how they authorized. Nil when no authorization is on file for a consumer.
    public static func implied(holder: AccountHolder, authorization: ACHAuthorization?) -> SECCode? {
        if holder == .business { return .ccd }
        switch authorization?.method {
        case .written: return .ppd
        case .online: return .web
        case .phone: return .tel
        case nil: return nil
        }
    }
}
