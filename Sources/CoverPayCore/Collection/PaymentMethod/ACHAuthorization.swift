/// The account holder's authorization of recurring debits; its method decides the SEC code
/// (written → PPD, online → WEB, phone → TEL) for consumer accounts.
public struct ACHAuthorization: Sendable, Hashable {
    public var id: String
    public var method: AuthorizationMethod
    /// RFC 3339 instant the authorization was given, as sent upstream.
    public var at: String

    public init(id: String, method: AuthorizationMethod, at: String) {
        self.id = id
        self.method = method
        self.at = at
    }

    init(json: JSONValue) throws(PaymentMethodError) {
        guard let members = json.objectValue else { throw .invalidField("authorization", "must be an object") }
        let fields = PaymentMethodFields(members: members)
        id = try fields.required("id")
        method = try fields.oneOf("method")
        at = try fields.required("at")
    }
}

public enum AuthorizationMethod: String, Sendable, Hashable, CaseIterable {
    case written, online, phone
}
