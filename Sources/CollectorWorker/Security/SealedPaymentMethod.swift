import CoverPayCore

/// A `payment_method` object as the collector stores it: the JSON with the bank account number
/// replaced by its masked form, and the number itself sealed with AES-GCM. Card methods carry
/// only a token and are stored as they are.
struct SealedPaymentMethod {
    var masked: JSONValue
    var accountCiphertext: String?

    init(masked: JSONValue, accountCiphertext: String?) {
        self.masked = masked
        self.accountCiphertext = accountCiphertext
    }

    init(sealing method: JSONValue, with cipher: AccountCipher) throws {
        guard let account = method["account_number"]?.stringValue else {
            self.init(masked: method, accountCiphertext: nil)
            return
        }
        self.init(masked: PaymentMethodMasking.masked(method), accountCiphertext: try cipher.seal(account))
    }

    /// The method with its real account number, for parsing and the NACHA file only.
    func unsealed(with cipher: AccountCipher) throws -> JSONValue {
        guard let accountCiphertext, var members = masked.objectValue else { return masked }
        members["account_number"] = .string(try cipher.open(accountCiphertext))
        members["account_last4"] = nil
        return .object(members)
    }
}
