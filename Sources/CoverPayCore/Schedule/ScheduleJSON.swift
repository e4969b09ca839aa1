/// The schedule's JSON shape, shared by `coverpay schedule preview` and `schedule show --json`:
/// `{"policy_id", "billable_total": {premium, fee, tax, total}, "entries": [{entry_number,
/// schedule_date, transaction, status, is_paid, premium, fee, tax, total, details: [{kind, ref,
/// name, premium, fee, tax}]}]}`, amounts as two-decimal strings.
public enum ScheduleJSON {
    public static func encode(_ schedule: PolicySchedule) -> JSONValue {
        .object([
            "policy_id": .string(schedule.policyID),
            "billable_total": billableTotal(schedule),
            "entries": .array(schedule.entries.map { encode($0, items: schedule.items) }),
        ])
    }

    /// One entry; `items` is the schedule's `items`, which the details point into.
    public static func encode(_ entry: ScheduleEntry, items: [PolicyItem]) -> JSONValue {
        guard case .object(var members) = headline(entry) else { return .null }
        members["details"] = .array(entry.details.map { encode($0, item: items[$0.itemIndex]) })
        return .object(members)
    }

    /// One entry without its details: what `schedule.updated` carries for each changed entry.
    public static func headline(_ entry: ScheduleEntry) -> JSONValue {
        guard case .object(var members) = amounts(entry.amounts, withTotal: true) else { return .null }
        members["entry_number"] = .number(String(entry.entryNumber))
        members["schedule_date"] = .string(entry.scheduleDate.description)
        members["transaction"] = .string(entry.transaction.rawValue)
        members["status"] = .string(entry.status.rawValue)
        members["is_paid"] = .bool(entry.isPaid)
        return .object(members)
    }

    public static func billableTotal(_ schedule: PolicySchedule) -> JSONValue {
        amounts(schedule.billableTotal, withTotal: true)
    }

    private static func encode(_ detail: EntryDetail, item: PolicyItem) -> JSONValue {
        guard case .object(var members) = amounts(detail.amounts, withTotal: false) else { return .null }
        members["kind"] = .string(item.kind.rawValue)
        members["ref"] = .string(item.ref)
        members["name"] = .string(item.name)
        return .object(members)
    }

    private static func amounts(_ amounts: ComponentAmounts, withTotal: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "premium": .string(amounts.premium.description),
            "fee": .string(amounts.fee.description),
            "tax": .string(amounts.tax.description),
        ]
        if withTotal { members["total"] = .string(amounts.total.description) }
        return .object(members)
    }
}
