/// Reads typed fields out of an event's `data` object, naming the field path in every error.
struct EventFields {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(ScheduleError) {
        guard let members = value.objectValue else {
            throw ScheduleError(.invalidField, "\(path) must be an object, not \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    func fieldPath(_ name: String) -> String { "\(path).\(name)" }

    func optional(_ name: String) -> JSONValue? {
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    func string(_ name: String) throws(ScheduleError) -> String {
        guard let value = optional(name) else {
            throw ScheduleError(.missingField, "\(fieldPath(name)) is required")
        }
        guard let text = value.stringValue, !text.isEmpty else {
            throw ScheduleError(.invalidField, "\(fieldPath(name)) must be a non-empty string, not \(value.serialized())")
        }
        return text
    }

    func optionalString(_ name: String) throws(ScheduleError) -> String? {
        optional(name) == nil ? nil : try string(name)
    }

    func object(_ name: String) throws(ScheduleError) -> EventFields {
        guard let value = optional(name) else {
            throw ScheduleError(.missingField, "\(fieldPath(name)) is required")
        }
        return try EventFields(value, path: fieldPath(name))
    }

    func array(_ name: String) throws(ScheduleError) -> [JSONValue] {
        guard let value = optional(name) else {
            throw ScheduleError(.missingField, "\(fieldPath(name)) is required")
        }
        guard let elements = value.arrayValue else {
            throw ScheduleError(.invalidField, "\(fieldPath(name)) must be an array, not \(value.typeName)")
        }
        return elements
    }

    func integer(_ name: String, code: ScheduleError.Code = .invalidField) throws(ScheduleError) -> Int {
        guard let value = optional(name) else {
            throw ScheduleError(.missingField, "\(fieldPath(name)) is required")
        }
        guard let number = value.intValue else {
            throw ScheduleError(code, "\(fieldPath(name)) must be an integer, not \(value.serialized())")
        }
        return number
    }

    func date(_ name: String) throws(ScheduleError) -> CalendarDate {
        let text = try string(name)
        do {
            return try CalendarDate(iso: text)
        } catch {
            throw ScheduleError(.invalidDate, "\(fieldPath(name)): \(error.description)")
        }
    }

    /// Money as a decimal string ("1234.50"); a JSON number is refused so no producer relies on floats.
    func money(_ name: String) throws(ScheduleError) -> Money {
        let text = try string(name)
        do {
            return try Money(parsing: text)
        } catch {
            throw ScheduleError.money(error, at: fieldPath(name))
        }
    }

    func enumeration<Value: RawRepresentable<String>>(
        _ name: String, as type: Value.Type, code: ScheduleError.Code
    ) throws(ScheduleError) -> Value where Value: CaseIterable {
        let text = try string(name)
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ScheduleError(code, "\(fieldPath(name)) '\(text)' is not one of: \(allowed)")
        }
        return value
    }
}
