import CoverPayCore
import Fleet

/// Typed reads of an event's `data`, rejecting (to the DLQ) with the field's name when a required
/// field is missing or malformed.
struct EventData {
    let data: JSONValue

    init(_ data: JSONValue) { self.data = data }

    func string(_ name: String) -> String? { data[name]?.stringValue }

    func optionalInt(_ name: String) -> Int? { data[name]?.intValue }

    func int(_ name: String) throws(HandlerError) -> Int {
        guard let value = data[name]?.intValue, value >= 1 else { throw Self.invalid("data.\(name) must be an integer of 1 or more") }
        return value
    }

    func requiredString(_ name: String) throws(HandlerError) -> String {
        guard let value = data[name]?.stringValue, !value.isEmpty else { throw Self.invalid("data.\(name) is required") }
        return value
    }

    func money(_ name: String) throws(HandlerError) -> Money {
        guard let text = data[name]?.stringValue, let amount = try? Money(parsing: text), amount > .zero else {
            throw Self.invalid("data.\(name) must be a positive decimal string")
        }
        return amount
    }

    func date(_ name: String) -> CalendarDate? { string(name).flatMap { try? CalendarDate(iso: $0) } }

    static func invalid(_ detail: String) -> HandlerError { .rejected(reason: "invalid_field", detail: detail) }
}
