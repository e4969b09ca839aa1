/// What the sandbox card processor does for a test token (DESIGN §11). Pure: the adapter in the
/// collector turns the outcome into a response, a delay or a missing answer.
public enum SandboxCardOutcome: Sendable, Hashable {
    case approved
    case softDecline(code: String)
    case hardDecline(code: String)
    /// No answer to the charge; a later status query reports it approved.
    case timeoutThenApproved
    /// Approved after `delayMilliseconds`.
    case slowApproved(delayMilliseconds: Int)
    /// Approved now, charged back in the next settlement file.
    case approvedThenChargeback
}

public enum SandboxCardBehaviour {
    static let softCodes: Set<String> = ["insufficient_funds", "do_not_honor", "issuer_unavailable"]
    static let hardCodes: Set<String> = ["stolen_card", "lost_card", "fraudulent", "closed_account", "invalid_account"]
    static let onceSuffix = "_once"

    /// - Parameter attempt: 1 for the first charge of an installment, 2 for the first retry, …
    public static func outcome(token: String, attempt: Int) -> SandboxCardOutcome {
        let name = token.hasPrefix("tok_") ? String(token.dropFirst(4)) : token
        if softCodes.contains(name) { return .softDecline(code: name) }
        if hardCodes.contains(name) { return .hardDecline(code: name) }
        let withoutOnce = String(name.dropLast(onceSuffix.count))
        if name.hasSuffix(onceSuffix), softCodes.contains(withoutOnce) {
            return attempt <= 1 ? .softDecline(code: withoutOnce) : .approved
        }
        switch name {
        case "timeout": return .timeoutThenApproved
        case "slow": return .slowApproved(delayMilliseconds: 2_000)
        case "chargeback": return .approvedThenChargeback
        default: return .approved
        }
    }
}
