/// A `payment_method` object as anything but the collector may keep it: a bank account number
/// replaced by `****` and its last four digits (also as `account_last4`); a card method, which
/// carries only a token, unchanged. The collector seals the full number itself
/// (`SealedPaymentMethod`); the scheduler keeps the method only to know the rail.
public enum PaymentMethodMasking {
    public static func masked(_ method: JSONValue) -> JSONValue {
        guard var members = method.objectValue, let account = members["account_number"]?.stringValue else { return method }
        members["account_number"] = .string("****" + account.suffix(4))
        members["account_last4"] = .string(String(account.suffix(4)))
        return .object(members)
    }
}
