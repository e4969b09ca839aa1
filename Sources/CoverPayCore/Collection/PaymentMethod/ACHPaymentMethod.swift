/// A bank account to debit by ACH. The account number is kept whole here because the NACHA file
/// needs it; only `masked` forms may leave the collector (logs, events, CLI output).
public struct ACHPaymentMethod: Sendable, Hashable {
    public var routingNumber: ABARoutingNumber
    public var accountNumber: String
    public var accountType: ACHAccountType
    public var holder: AccountHolder
    /// Nil when no authorization is on file: parsing accepts that, collection refuses it.
    public var authorization: ACHAuthorization?
    /// The account holder's name for the NACHA entry, from the optional `name` field.
    public var holderName: String?

    public init(
        routingNumber: ABARoutingNumber, accountNumber: String, accountType: ACHAccountType,
        holder: AccountHolder, authorization: ACHAuthorization?, holderName: String? = nil
    ) {
        self.routingNumber = routingNumber
        self.accountNumber = accountNumber
        self.accountType = accountType
        self.holder = holder
        self.authorization = authorization
        self.holderName = holderName
    }

    init(fields: PaymentMethodFields) throws(PaymentMethodError) {
        guard let routing = ABARoutingNumber(try fields.required("routing_number")) else { throw .invalidRoutingNumber }
        routingNumber = routing
        accountNumber = try fields.required("account_number")
        // The NACHA DFI account number field is 17 characters; shorter than 4 cannot be masked meaningfully.
        guard (4...17).contains(accountNumber.utf8.count), PaymentMethodFields.isDigits(accountNumber) else {
            throw .invalidField("account_number", "must be 4 to 17 digits")
        }
        accountType = try fields.oneOf("account_type")
        holder = try fields.oneOf("holder")
        authorization = try fields.members["authorization"].flatMap { json throws(PaymentMethodError) in
            json == .null ? nil : try ACHAuthorization(json: json)
        }
        holderName = try fields.optional("name")
    }

    public var maskedAccountNumber: String { "****" + accountNumber.suffix(4) }
}

public enum ACHAccountType: String, Sendable, Hashable, CaseIterable {
    case checking, savings
}

public enum AccountHolder: String, Sendable, Hashable, CaseIterable {
    case consumer, business
}
