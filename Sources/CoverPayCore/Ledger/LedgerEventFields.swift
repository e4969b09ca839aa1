/// Reads an event's `data` for the posting rules, with the schedule engine's field reader (one
/// definition of how a money string, a date or an integer is read) and its errors as `LedgerError`s.
public struct LedgerEventFields: Sendable {
    private let fields: EventFields

    public init(_ event: CloudEvent) throws(LedgerError) {
        fields = try Self.reading { () throws(ScheduleError) in try EventFields(event.data, path: "data") }
    }

    public func string(_ name: String) throws(LedgerError) -> String {
        try Self.reading { () throws(ScheduleError) in try fields.string(name) }
    }

    public func optionalString(_ name: String) throws(LedgerError) -> String? {
        try Self.reading { () throws(ScheduleError) in try fields.optionalString(name) }
    }

    public func integer(_ name: String) throws(LedgerError) -> Int {
        try Self.reading { () throws(ScheduleError) in try fields.integer(name) }
    }

    public func optionalInteger(_ name: String) throws(LedgerError) -> Int? {
        fields.optional(name) == nil ? nil : try integer(name)
    }

    public func money(_ name: String) throws(LedgerError) -> Money {
        try Self.reading { () throws(ScheduleError) in try fields.money(name) }
    }

    /// A money field that may be absent (zero then).
    public func moneyOrZero(_ name: String) throws(LedgerError) -> Money {
        fields.optional(name) == nil ? .zero : try money(name)
    }

    public func date(_ name: String) throws(LedgerError) -> CalendarDate {
        try Self.reading { () throws(ScheduleError) in try fields.date(name) }
    }

    public func bool(_ name: String) -> Bool {
        fields.optional(name)?.boolValue ?? false
    }

    private static func reading<T>(_ body: () throws(ScheduleError) -> T) throws(LedgerError) -> T {
        do {
            return try body()
        } catch {
            throw LedgerError(.invalidField, error.message)
        }
    }
}
