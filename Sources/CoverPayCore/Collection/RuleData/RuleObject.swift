/// Reads one object of a rule document (routing.json, states.json) strictly: unknown keys are
/// errors, so a misspelt condition cannot silently match everything. Errors are plain strings;
/// each document wraps them with the rule's name.
struct RuleObject {
    let members: [String: JSONValue]
    let path: String

    init(_ json: JSONValue?, path: String, allowedKeys: Set<String>) throws(RuleDataError) {
        guard let members = json?.objectValue else { throw RuleDataError("\(path) must be an object") }
        if let unknown = members.keys.sorted().first(where: { !allowedKeys.contains($0) }) {
            throw RuleDataError("\(path) has unknown key '\(unknown)'")
        }
        self.members = members
        self.path = path
    }

    func has(_ key: String) -> Bool { members[key] != nil }

    func string(_ key: String) throws(RuleDataError) -> String {
        guard let text = members[key]?.stringValue, !text.isEmpty else { throw RuleDataError("\(path).\(key) must be a non-empty string") }
        return text
    }

    func optionalString(_ key: String) throws(RuleDataError) -> String? {
        has(key) ? try string(key) : nil
    }

    func int(_ key: String) throws(RuleDataError) -> Int {
        guard let value = members[key]?.intValue else { throw RuleDataError("\(path).\(key) must be an integer") }
        return value
    }

    func bool(_ key: String) throws(RuleDataError) -> Bool {
        guard let value = members[key]?.boolValue else { throw RuleDataError("\(path).\(key) must be true or false") }
        return value
    }

    func money(_ key: String) throws(RuleDataError) -> Money? {
        guard has(key) else { return nil }
        let text = try string(key)
        do { return try Money(parsing: text) } catch { throw RuleDataError("\(path).\(key): \(error.description)") }
    }

    func stringList(_ key: String) throws(RuleDataError) -> [String]? {
        guard let value = members[key] else { return nil }
        guard let elements = value.arrayValue, !elements.isEmpty else { throw RuleDataError("\(path).\(key) must be a non-empty array") }
        var texts: [String] = []
        for element in elements {
            guard let text = element.stringValue, !text.isEmpty else { throw RuleDataError("\(path).\(key) must hold non-empty strings") }
            texts.append(text)
        }
        return texts
    }

    func enumList<T: RawRepresentable<String>>(_ key: String, _: T.Type = T.self) throws(RuleDataError) -> [T]? {
        guard let texts = try stringList(key) else { return nil }
        var values: [T] = []
        for text in texts {
            guard let value = T(rawValue: text) else { throw RuleDataError("\(path).\(key): '\(text)' is not an accepted value") }
            values.append(value)
        }
        return values
    }
}

struct RuleDataError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
