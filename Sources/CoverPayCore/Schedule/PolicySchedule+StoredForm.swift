/// The engine's whole state as the scheduler stores it (`scheduler.policies.schedule`): compact
/// JSON built as a `JSONValue` and read back through `JSONValue.parse`, the project's one JSON
/// parser. (A hand-written writer and scanner did the same in 1,037 lines; what it saved per event
/// is measured in docs/benchmarks.md, "Stored schedule".)
///
/// Version 1; `serialized()` sorts the keys, a reader takes any order and white space:
///
/// ```
/// {"v":1,                                    format version
///  "id":"POL-1",                             policyID
///  "st":"active",                            state
///  "is":{"number":"P-1","state":"CA",        issuance (absent before it): policyNumber, state,
///        "line":"auto",                        lineOfBusiness,
///        "term":["2026-01-31","2027-01-31"],   term [start, end],
///        "currency":"USD","frequency":"monthly","method":"modal",
///        "payment_method":{…},                 paymentMethod, any JSON (absent when nil)
///        "carrier":"C-1","agency":"A-1",       carrierID, agencyID (absent when nil)
///        "commission":"0.15"},                 commissionRate (absent when nil)
///  "pd":["2026-01-31",…],                    planDates
///  "it":[["coverage","COV-BI","Bodily injury"],…],   items: [kind, ref, name]
///  "tt":[[120000,1200,6000],…],              transactionTotals per item: [premium, fee, tax]
///  "tx":["TX-1",…],                          appliedTransactionIDs
///  "cn":14,                                  cancellationEntryNumber (absent when nil)
///  "en":[[1,"2026-01-31","issuance","Valid",false,[[0,10000,100,500],…]],…]}
///        entries: [entryNumber, scheduleDate, transaction, status, isPaid,
///                  details: [itemIndex, premium, fee, tax]]
/// ```
///
/// Amounts are integer cents, dates `YYYY-MM-DD`; an optional member that is `null` reads as
/// absent. Rows in the older `JSONEncoder` form (no "v") were rewritten into this one by
/// migration 013, so only this form is read.
extension PolicySchedule {
    static let storageVersion = 1

    /// The engine's whole state as compact JSON text, for `scheduler.policies.schedule`.
    public var storageText: String {
        var members: [String: JSONValue] = [
            "v": Stored.integer(Self.storageVersion),
            "id": .string(policyID),
            "st": .string(state.rawValue),
            "pd": .array(planDates.map(Stored.date)),
            "it": .array(items.map { .array([.string($0.kind.rawValue), .string($0.ref), .string($0.name)]) }),
            "tt": .array(transactionTotals.map { .array(Stored.cents($0)) }),
            "tx": .array(appliedTransactionIDs.map(JSONValue.string)),
            "en": .array(entries.map { entry in
                .array([
                    Stored.integer(entry.entryNumber), Stored.date(entry.scheduleDate), .string(entry.transaction.rawValue),
                    .string(entry.status.rawValue), .bool(entry.isPaid),
                    .array(entry.details.map { .array([Stored.integer($0.itemIndex)] + Stored.cents($0.amounts)) }),
                ])
            }),
        ]
        members["is"] = issuance.map(\.storedForm)
        members["cn"] = cancellationEntryNumber.map(Stored.integer)
        return JSONValue.object(members).serialized()
    }

    /// Reads `storageText` back, naming the field of anything missing or malformed.
    public init(storageText: String) throws(ScheduleStorageError) {
        let document: JSONValue
        do throws(JSONParseError) {
            document = try JSONValue.parse(storageText.utf8)
        } catch {
            throw ScheduleStorageError(field: "", problem: error.description)
        }
        let top = try Stored.Object(document)
        let version = try top.required("v", "v", Stored.integer)
        guard version == Self.storageVersion else {
            throw ScheduleStorageError(field: "v", problem: "unsupported storage version \(version) (this build reads version \(Self.storageVersion))")
        }
        self.init(policyID: try top.required("id", "policyID", Stored.string))
        state = try top.required("st", "state", Stored.choice)
        issuance = try top.optional("is", "issuance", PolicyIssuance.init(stored:))
        planDates = try top.required("pd", "planDates", each: Stored.date)
        items = try top.required("it", "items", each: PolicyItem.init(stored:))
        transactionTotals = try top.required("tt", "transactionTotals", each: ComponentAmounts.init(stored:))
        appliedTransactionIDs = try top.required("tx", "appliedTransactionIDs", each: Stored.string)
        cancellationEntryNumber = try top.optional("cn", "cancellationEntryNumber", Stored.integer)
        entries = try top.required("en", "entries", each: ScheduleEntry.init(stored:))
        try checkStoredReferences()
    }

    /// The links between parts that the engine indexes by: a damaged row must fail here with a
    /// message, not trap later.
    private func checkStoredReferences() throws(ScheduleStorageError) {
        guard transactionTotals.count == items.count else {
            throw ScheduleStorageError(field: "transactionTotals", problem: "has \(transactionTotals.count) rows for \(items.count) items")
        }
        guard (issuance == nil) == (state == .awaitingIssuance) else {
            throw ScheduleStorageError(field: "state", problem: "'\(state.rawValue)' does not fit a schedule \(issuance == nil ? "without" : "with") an issuance")
        }
        for (index, entry) in entries.enumerated() {
            guard entry.entryNumber == index + 1 else {
                throw ScheduleStorageError(field: "entries[\(index)].entryNumber", problem: "is \(entry.entryNumber); entries are numbered 1, 2, … in order, so it must be \(index + 1)")
            }
            for (position, detail) in entry.details.enumerated() where !items.indices.contains(detail.itemIndex) {
                throw ScheduleStorageError(field: "entries[\(index)].details[\(position)].itemIndex", problem: "\(detail.itemIndex) is not an index into the \(items.count) items")
            }
        }
        if let number = cancellationEntryNumber, !entries.indices.contains(number - 1) {
            throw ScheduleStorageError(field: "cancellationEntryNumber", problem: "\(number) is not one of the \(entries.count) entries")
        }
    }
}

/// Why stored schedule text could not be read: which field or entry, and what is wrong with it.
public struct ScheduleStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where, in `PolicySchedule` terms: `entries[3].details[1].fee`, `issuance.term.start`;
    /// empty when the problem is the document as a whole.
    public let field: String
    /// What is wrong, e.g. `expected an integer, found "12.50"`.
    public let problem: String

    init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String {
        field.isEmpty ? "stored schedule: \(problem)" : "stored schedule: \(field): \(problem)"
    }

    /// The same problem one level further out: `segment` is a property name or `[index]`.
    func inside(_ segment: String) -> ScheduleStorageError {
        let path = field.isEmpty ? segment : field.hasPrefix("[") ? segment + field : "\(segment).\(field)"
        return ScheduleStorageError(field: path, problem: problem)
    }
}

extension PolicyIssuance {
    fileprivate var storedForm: JSONValue {
        var members: [String: JSONValue] = [
            "number": .string(policyNumber), "state": .string(state), "line": .string(lineOfBusiness),
            "term": .array([Stored.date(term.start), Stored.date(term.end)]), "currency": .string(currency.rawValue),
            "frequency": .string(billing.frequency.rawValue), "method": .string(billing.method.rawValue),
        ]
        members["payment_method"] = paymentMethod
        members["carrier"] = carrierID.map(JSONValue.string)
        members["agency"] = agencyID.map(JSONValue.string)
        members["commission"] = commissionRate.map(JSONValue.string)
        return .object(members)
    }

    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Object(value)
        self.init(
            policyNumber: try fields.required("number", "policyNumber", Stored.string),
            state: try fields.required("state", "state", Stored.string),
            lineOfBusiness: try fields.required("line", "lineOfBusiness", Stored.string),
            term: try fields.required("term", "term", PolicyTerm.init(stored:)),
            currency: try fields.required("currency", "currency", Stored.choice),
            billing: BillingPlan(
                frequency: try fields.required("frequency", "billing.frequency", Stored.choice),
                method: try fields.required("method", "billing.method", Stored.choice)
            ),
            paymentMethod: try fields.optional("payment_method", "paymentMethod") { $0 },
            carrierID: try fields.optional("carrier", "carrierID", Stored.string),
            agencyID: try fields.optional("agency", "agencyID", Stored.string),
            commissionRate: try fields.optional("commission", "commissionRate", Stored.string)
        )
    }
}

extension PolicyTerm {
    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Tuple(value, names: Stored.termFields)
        let start = try fields(0, Stored.date)
        let end = try fields(1, Stored.date)
        do throws(ScheduleError) {
            try self.init(start: start, end: end)
        } catch {
            throw ScheduleStorageError(field: "", problem: error.message)
        }
    }
}

extension PolicyItem {
    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Tuple(value, names: Stored.itemFields)
        self.init(kind: try fields(0, Stored.choice), ref: try fields(1, Stored.string), name: try fields(2, Stored.string))
    }
}

extension ComponentAmounts {
    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Tuple(value, names: Stored.amountFields)
        self.init(premium: try fields(0, Stored.cents), fee: try fields(1, Stored.cents), tax: try fields(2, Stored.cents))
    }
}

extension ScheduleEntry {
    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Tuple(value, names: Stored.entryFields)
        self.init(
            entryNumber: try fields(0, Stored.integer), scheduleDate: try fields(1, Stored.date),
            transaction: try fields(2, Stored.choice), status: try fields(3, Stored.choice), isPaid: try fields(4, Stored.bool),
            details: try fields(5) { (details: JSONValue) throws(ScheduleStorageError) in try Stored.each(details, EntryDetail.init(stored:)) }
        )
    }
}

extension EntryDetail {
    fileprivate init(stored value: JSONValue) throws(ScheduleStorageError) {
        let fields = try Stored.Tuple(value, names: Stored.detailFields)
        self.init(
            itemIndex: try fields(0, Stored.integer),
            amounts: ComponentAmounts(premium: try fields(1, Stored.cents), fee: try fields(2, Stored.cents), tax: try fields(3, Stored.cents))
        )
    }
}

/// The pieces of the stored form. Readers throw errors whose `field` is relative to the value
/// they read; each container puts its own name in front on the way out, so a path such as
/// `entries[3].details[1].fee` is only built when something is wrong.
private enum Stored {
    typealias Read<Value> = (JSONValue) throws(ScheduleStorageError) -> Value

    // The names of positional arrays' elements, in `PolicySchedule` terms.
    static let termFields = ["start", "end"]
    static let itemFields = ["kind", "ref", "name"]
    static let amountFields = ["premium", "fee", "tax"]
    static let entryFields = ["entryNumber", "scheduleDate", "transaction", "status", "isPaid", "details"]
    static let detailFields = ["itemIndex", "premium", "fee", "tax"]

    static func integer(_ value: Int) -> JSONValue { .number(String(value)) }
    static func date(_ date: CalendarDate) -> JSONValue { .string(date.description) }
    static func cents(_ amounts: ComponentAmounts) -> [JSONValue] {
        [.number(String(amounts.premium.cents)), .number(String(amounts.fee.cents)), .number(String(amounts.tax.cents))]
    }

    /// A JSON object's members, each read under its `PolicySchedule` name.
    struct Object {
        let members: [String: JSONValue]

        init(_ value: JSONValue) throws(ScheduleStorageError) {
            guard case .object(let members) = value else { throw mismatch("an object", value) }
            self.members = members
        }

        /// The member `key`, read by `read` and named `name` in errors; nil when absent or null.
        func optional<Value>(_ key: String, _ name: String, _ read: Read<Value>) throws(ScheduleStorageError) -> Value? {
            guard let value = members[key], value != .null else { return nil }
            return try named(name) { () throws(ScheduleStorageError) in try read(value) }
        }

        func required<Value>(_ key: String, _ name: String, _ read: Read<Value>) throws(ScheduleStorageError) -> Value {
            guard let value = try optional(key, name, read) else {
                throw ScheduleStorageError(field: name, problem: "is missing (key '\(key)')")
            }
            return value
        }

        /// An array member, each element read by `read`.
        func required<Value>(_ key: String, _ name: String, each read: Read<Value>) throws(ScheduleStorageError) -> [Value] {
            try required(key, name) { (elements: JSONValue) throws(ScheduleStorageError) in try Stored.each(elements, read) }
        }
    }

    /// A positional array with exactly one element per name.
    struct Tuple {
        let elements: [JSONValue]
        let names: [String]

        init(_ value: JSONValue, names: [String]) throws(ScheduleStorageError) {
            guard case .array(let elements) = value else { throw mismatch("an array", value) }
            guard elements.count == names.count else {
                if elements.count < names.count { throw ScheduleStorageError(field: names[elements.count], problem: "is missing") }
                throw ScheduleStorageError(field: "", problem: "has \(elements.count) elements, expected \(names.count) (\(names.joined(separator: ", ")))")
            }
            self.elements = elements
            self.names = names
        }

        func callAsFunction<Value>(_ index: Int, _ read: Read<Value>) throws(ScheduleStorageError) -> Value {
            try named(names[index]) { () throws(ScheduleStorageError) in try read(elements[index]) }
        }
    }

    /// Every element of an array, read by `read`.
    static func each<Value>(_ value: JSONValue, _ read: Read<Value>) throws(ScheduleStorageError) -> [Value] {
        guard case .array(let elements) = value else { throw mismatch("an array", value) }
        var values: [Value] = []
        values.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            values.append(try named("[\(index)]") { () throws(ScheduleStorageError) in try read(element) })
        }
        return values
    }

    static func named<Value>(_ segment: @autoclosure () -> String, _ read: () throws(ScheduleStorageError) -> Value) throws(ScheduleStorageError) -> Value {
        do {
            return try read()
        } catch {
            throw error.inside(segment())
        }
    }

    static func string(_ value: JSONValue) throws(ScheduleStorageError) -> String {
        guard case .string(let text) = value else { throw mismatch("a string", value) }
        return text
    }

    static func integer(_ value: JSONValue) throws(ScheduleStorageError) -> Int {
        guard case .number(let text) = value, let number = Int(text) else { throw mismatch("an integer", value) }
        return number
    }

    static func cents(_ value: JSONValue) throws(ScheduleStorageError) -> Money {
        Money(cents: Int64(try integer(value)))
    }

    static func bool(_ value: JSONValue) throws(ScheduleStorageError) -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("true or false", value) }
        return flag
    }

    static func date(_ value: JSONValue) throws(ScheduleStorageError) -> CalendarDate {
        let text = try string(value)
        do throws(CalendarDateError) {
            return try CalendarDate(iso: text)
        } catch {
            throw ScheduleStorageError(field: "", problem: error.description)
        }
    }

    static func choice<Value: RawRepresentable<String> & CaseIterable>(_ value: JSONValue) throws(ScheduleStorageError) -> Value {
        let text = try string(value)
        guard let choice = Value(rawValue: text) else {
            throw ScheduleStorageError(field: "", problem: "'\(text)' is not one of: \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    static func mismatch(_ expected: String, _ value: JSONValue) -> ScheduleStorageError {
        ScheduleStorageError(field: "", problem: "expected \(expected), found \(value.serialized().prefix(40))")
    }
}
