/// NACHA checks on an ACH debit before it goes into a file. The routing checksum is checked when
/// the payment method is parsed (`invalid_routing_number`), so a parsed account already passed it.
public enum ACHDebitChecks {
    /// Every failing check, most fundamental first; empty when the debit may be sent.
    /// A business (CCD) debit needs an authorization on file too: NACHA requires the receiver's agreement.
    public static func failures(_ account: ACHPaymentMethod, required: RequiredAuthorization, accountValidated: Bool) -> [CollectionFailure] {
        var failures: [CollectionFailure] = []
        if required.authorizationOnFile, account.authorization == nil { failures.append(.missingAuthorization) }
        if required.validatedAccount, !accountValidated { failures.append(.accountNotValidated) }
        return failures
    }
}
