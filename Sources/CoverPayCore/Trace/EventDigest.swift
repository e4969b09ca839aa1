/// One readable line per fleet event, for `coverpay trace` (docs/payment-loop.md lists the fields).
/// A type without a digest of its own -- a newer worker's event -- still reads as its scalar fields,
/// so the trace never hides an event.
public enum EventDigest {
    /// The worker that published an event: its CloudEvents source is `coverpay/<worker>`.
    public static func worker(source: String?) -> String {
        guard let source else { return "-" }
        return source.hasPrefix("coverpay/") ? String(source.dropFirst("coverpay/".count)) : source
    }

    /// The installment an event is about, when it names one.
    public static func entryNumber(_ data: JSONValue?) -> Int? {
        data?["entry_number"]?.intValue ?? data?["entry_number"]?.stringValue.flatMap(Int.init)
    }

    public static func summary(type: String, data: JSONValue?) -> String {
        let fields = Fields(data)
        switch type.hasPrefix("coverpay.") ? String(type.dropFirst("coverpay.".count)) : type {
        case "schedule.updated": return scheduleUpdated(fields)
        case "installment.due":
            let retry = fields.int("attempt").map { $0 > 1 ? ", attempt \($0)" : "" } ?? ""
            let reason = fields["reason"].map { " (\($0))" } ?? ""
            return "installment \(fields.entry) due \(fields["due_date"] ?? "-") (scheduled \(fields["schedule_date"] ?? "-")): "
                + "\(fields.money("amount"))\(retry)\(reason)"
        case "payment.routed": return routed(fields)
        case "payment.attempted":
            let ach = fields["trace_number"].map { ", ACH trace \($0) effective \(fields["effective_date"] ?? "-") \(fields["sec_code"] ?? "")" } ?? ""
            return "attempt \(fields["attempt"] ?? "-"): \(fields.money("total")) by \(fields.rail)\(ach)"
        case "payment.succeeded":
            let reference = fields["processor_reference"] ?? fields["trace_number"] ?? "-"
            let on = fields["succeeded_on"].map { " on \($0)" } ?? ""
            return "attempt \(fields["attempt"] ?? "-") succeeded\(on): \(fields.money("total")) by \(fields.rail), reference \(reference)"
        case "payment.failed":
            return "attempt \(fields["attempt"] ?? "-") failed: \(fields["failure_code"] ?? "-") (\(fields.retryable)) \(fields["message"] ?? "")"
        case "payment.settled":
            return "settled on \(fields["settled_on"] ?? "-"): \(fields.money("total")), processor fee \(fields.money("processor_fee")), "
                + "net \(fields.money("net")), reference \(fields["reference"] ?? "-")"
        case "payment.returned":
            let code = fields["return_code"] ?? fields["failure_code"] ?? "-"
            let late = fields.bool("late") == true ? " LATE (after it had succeeded)" : ""
            return "attempt \(fields["attempt"] ?? "-") returned \(code)\(late) on \(fields["returned_on"] ?? "-"): \(fields.money("total")) (\(fields.retryable)) \(fields["message"] ?? "")"
        case "retry.scheduled":
            let budget = fields["budget_used"].map { ", budget \($0)/\(fields["budget_limit"] ?? "-")" } ?? ""
            return "retry: attempt \(fields["next_attempt"] ?? "-") by \(fields["rail"] ?? "-") on \(fields["retry_on"] ?? "-") after \(fields["failure_code"] ?? "-") "
                + "(rule \(fields["rule"] ?? "-")\(budget))"
        case "delinquency.changed":
            return "delinquency \(fields["from"] ?? "-") -> \(fields["to"] ?? "-") on \(fields["changed_on"] ?? "-"), past due \(fields.money("past_due_amount"))"
        case "delinquency.cured":
            return "delinquency cured on \(fields["cured_on"] ?? "-") by \(fields["cured_by"] ?? "-"): \(fields.money("past_due_amount")) paid"
        case "notice.requested":
            return "nonpayment notice requested on \(fields["requested_on"] ?? "-") (\(fields["state"] ?? "-"), \(fields["notice_days"] ?? "-") days, "
                + "\(fields["citation"] ?? "-")): earliest cancellation \(fields["earliest_cancellation_date"] ?? "-"), past due \(fields.money("past_due_amount"))"
        case "policy.cancellation_requested":
            return "cancellation requested on \(fields["requested_on"] ?? "-") for \(fields["reason"] ?? "-"), past due \(fields.money("past_due_amount"))"
        case "fee.assessed":
            return "\(fields["kind"] ?? "fee") \(fields.money("amount")) assessed (\(fields["code"] ?? "-"))"
        case "fee.waived":
            return "\(fields["kind"] ?? "fee") \(fields.money("amount")) waived by \(fields["operator"] ?? "-"): \(fields["reason"] ?? "-")"
        case "installment.written_off":
            return "installment \(fields.entry) written off: \(fields.money("amount")) by \(fields["operator"] ?? "-"): \(fields["reason"] ?? "-")"
        case "payment.received":
            let by = fields["operator"].map { ", recorded by \($0)" } ?? ""
            return "external payment \(fields.money("amount")) received on \(fields["received_on"] ?? "-"), reference \(fields["reference"] ?? "-")\(by)"
        case "refund.requested":
            return "refund \(fields.money("amount")) requested (\(fields["reason"] ?? "-")), entry \(fields.entry)"
        case "recon.exception":
            return "reconciliation exception \(fields["kind"] ?? "-") (\(fields["status"] ?? "-")): \(fields.money("amount")), reference \(fields["reference"] ?? "-"); \(fields["detail"] ?? "")"
        case "ledger.posted":
            return "journal entry \(fields["entry_id"] ?? "-") posted on \(fields["posted_on"] ?? "-") by rule \(fields["rule"] ?? "-"): \(fields.money("total"))"
        case "gl.synced":
            return "GL sync to \(fields["target"] ?? "-"): \(fields["entries"] ?? "-") entries through \(fields["through_entry_id"] ?? "-") (batch \(fields["batch"] ?? "-"))"
        default:
            return scalars(data)
        }
    }

    /// Every scalar field, sorted: the digest of a type nobody wrote one for.
    public static func scalars(_ data: JSONValue?) -> String {
        guard let members = data?.objectValue else { return "" }
        return members.sorted { $0.key < $1.key }.compactMap { key, value in
            switch value {
            case .string(let text): "\(key)=\(text)"
            case .number(let text): "\(key)=\(text)"
            case .bool(let flag): "\(key)=\(flag)"
            default: nil
            }
        }.joined(separator: " ")
    }

    /// A schedule entry as the scheduler stored it after `cause` (an event type or transaction kind).
    public static func revision(cause: String, entry: JSONValue?) -> String {
        let fields = Fields(entry)
        let paid = fields.bool("is_paid") == true ? "paid" : "unpaid"
        return "entry \(fields.entry) after \(cause): \(fields["transaction"] ?? "-") \(fields["status"] ?? "-") \(paid), "
            + "scheduled \(fields["schedule_date"] ?? "-"), total \(fields.money("total")) "
            + "(premium \(fields.money("premium")), fee \(fields.money("fee")), tax \(fields.money("tax")))"
    }

    /// A journal line: an account and one side of money.
    public struct JournalLine: Sendable, Equatable {
        public let account: String
        public let debit: Money
        public let credit: Money

        public init(account: String, debit: Money, credit: Money) {
            self.account = account
            self.debit = debit
            self.credit = credit
        }
    }

    public static func journal(entryID: String, rule: String, eventType: String, postedOn: String, memo: String, lines: [JournalLine], reverses: String?) -> String {
        let legs = lines.map { $0.debit.isZero ? "Cr \($0.account) $\($0.credit)" : "Dr \($0.account) $\($0.debit)" }.joined(separator: ", ")
        let reversal = reverses.map { ", reverses entry \($0)" } ?? ""
        return "journal entry \(entryID) posted \(postedOn) by \(rule) for \(eventType)\(reversal): \(legs) -- \(memo)"
    }

    private static func scheduleUpdated(_ fields: Fields) -> String {
        let created = fields.numbers("created_entries"), updated = fields.numbers("updated_entries")
        let cause = fields["transaction"].map { "\($0) (sequence \(fields["sequence"] ?? "-"))" }
            ?? fields["payment_event_id"].map { "payment \($0)" } ?? "update"
        var parts: [String] = []
        if !created.isEmpty { parts.append("created entries \(created)") }
        if !updated.isEmpty { parts.append("updated entries \(updated)") }
        if let total = fields.data?["billable_total"]?["total"]?.stringValue { parts.append("billable total $\(total)") }
        if let withdrawn = fields["refund_withdrawn"] { parts.append("refund withdrawn $\(withdrawn)") }
        return "schedule after \(cause): " + (parts.isEmpty ? "no entry changed" : parts.joined(separator: "; "))
    }

    private static func routed(_ fields: Fields) -> String {
        let rules = fields.strings("routing_rules")
        let compliance = (fields.data?["compliance_rules"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let fired = "rule \(rules.isEmpty ? "-" : rules.joined(separator: ", "))" + (compliance.isEmpty ? "" : "; compliance \(compliance.joined(separator: ", "))")
        if fields["outcome"] == "refused" {
            return "refused \(fields["failure_code"] ?? "-"): \(fields["reason"] ?? "-") (\(fired))"
        }
        let sec = fields["sec_code"].map { " \($0)" } ?? ""
        return "routed to \(fields.rail)\(sec) (\(fired)), attempt \(fields["attempt"] ?? "-") for \(fields.money("total"))"
    }

    /// Read access to an event's data that never fails: a missing field prints as "-".
    struct Fields {
        let data: JSONValue?

        init(_ data: JSONValue?) { self.data = data }

        subscript(key: String) -> String? {
            switch data?[key] {
            case .string(let text)?: text
            case .number(let text)?: text
            case .bool(let flag)?: "\(flag)"
            default: nil
            }
        }

        func int(_ key: String) -> Int? { self[key].flatMap(Int.init) }
        func bool(_ key: String) -> Bool? { data?[key]?.boolValue }
        func money(_ key: String) -> String { self[key].map { "$\($0)" } ?? "-" }
        func strings(_ key: String) -> [String] { (data?[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        func numbers(_ key: String) -> String {
            (data?[key]?.arrayValue ?? []).compactMap { value -> String? in
                if case .number(let text) = value { return text }
                return value.stringValue
            }.joined(separator: ", ")
        }

        var entry: String { self["entry_number"] ?? "-" }
        var rail: String { [self["rail"], self["processor"]].compactMap { $0 }.joined(separator: "/").nonEmpty ?? "-" }
        var retryable: String { bool("retryable") == true ? "retryable" : bool("retryable") == false ? "not retryable" : "retryable unknown" }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
