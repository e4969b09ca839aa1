import Foundation

/// The engine's whole state as stored by the scheduler (`scheduler.policies.schedule`): compact JSON
/// written straight into bytes and read back by a scanner that builds the schedule as it goes (no
/// `JSONValue` tree, no dictionaries), so that storing a schedule costs a few microseconds rather
/// than a `JSONEncoder` / `JSONDecoder` round.
///
/// Version 1, keys in this order (a reader accepts any order and white space):
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
/// Amounts are integer cents, dates `YYYY-MM-DD`. "v" is the only one-character key, so it also
/// comes first in PostgreSQL's jsonb key order. A document without "v" is the older synthesized
/// `Codable` form (`JSONEncoder`), which existing rows hold; it is read with `JSONDecoder`.
extension PolicySchedule {
    static let storageVersion = 1

    /// The engine's whole state as compact JSON text, for `scheduler.policies.schedule`.
    public var storageText: String {
        var writer = ScheduleStorageWriter(capacity: estimatedStorageSize)
        writer.write(self)
        return writer.text
    }

    /// Reads `storageText` back; also reads the older `JSONEncoder` form (rows without "v").
    public init(storageText: String) throws(ScheduleStorageError) {
        var text = storageText
        switch text.withUTF8({ ScheduleStorageReader.read($0) }) {
        case .schedule(let schedule): self = schedule
        case .legacy: self = try Self.legacy(storageText)
        case .failure(let error): throw error
        }
    }

    /// Enough for the common case without regrowing (names and ids are usually short).
    private var estimatedStorageSize: Int {
        let details = entries.reduce(0) { $0 + $1.details.count }
        return 256 + policyID.utf8.count + planDates.count * 13 + items.count * 64
            + appliedTransactionIDs.reduce(0) { $0 + $1.utf8.count + 3 } + entries.count * 48 + details * 36
    }

    private static func legacy(_ text: String) throws(ScheduleStorageError) -> PolicySchedule {
        do {
            let schedule = try JSONDecoder().decode(PolicySchedule.self, from: Data(text.utf8))
            try ScheduleStorageReader.checkReferences(schedule)
            return schedule
        } catch let error as ScheduleStorageError {
            throw error
        } catch let error as DecodingError {
            throw ScheduleStorageError(legacy: error)
        } catch {
            throw ScheduleStorageError(field: "", problem: "legacy (JSONEncoder) form: \(error)")
        }
    }
}

/// Why stored schedule text could not be read: which field or entry, and what is wrong with it.
public struct ScheduleStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where, in `PolicySchedule` terms: `entries[3].details[1].fee`, `issuance.term.start`;
    /// empty when the problem is the document as a whole.
    public let field: String
    /// What is wrong, e.g. `expected an integer, found '"12.50"' at byte 812`.
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

    init(legacy error: DecodingError) {
        let context: DecodingError.Context? = switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context): context
        @unknown default: nil
        }
        var path = context?.codingPath.reduce(into: "") { path, key in
            if let index = key.intValue { path += "[\(index)]" } else { path += path.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        } ?? ""
        var problem = context?.debugDescription ?? "\(error)"
        if case .keyNotFound(let key, _) = error {
            path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            problem = "is required"
        }
        if let underlying = context?.underlyingError,
           let detail = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String {
            problem += " (\(detail))"
        }
        self.init(field: path, problem: "legacy (JSONEncoder) form: \(problem)")
    }
}

// MARK: - Writing

/// Writes the version 1 form into a byte buffer of its own: pieces go in through a pointer, with
/// one capacity check per piece (an `Array` checks uniqueness and capacity on every append).
struct ScheduleStorageWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    var text: String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    mutating func write(_ schedule: PolicySchedule) {
        raw("{\"v\":")
        integer(Int64(PolicySchedule.storageVersion))
        raw(",\"id\":")
        string(schedule.policyID)
        raw(",\"st\":")
        string(schedule.state.rawValue)
        if let issuance = schedule.issuance {
            raw(",\"is\":")
            write(issuance)
        }
        raw(",\"pd\":[")
        for (index, date) in schedule.planDates.enumerated() {
            if index > 0 { comma() }
            self.date(date)
        }
        raw("],\"it\":[")
        for (index, item) in schedule.items.enumerated() {
            if index > 0 { comma() }
            byte(UInt8(ascii: "["))
            string(item.kind.rawValue)
            comma()
            string(item.ref)
            comma()
            string(item.name)
            byte(UInt8(ascii: "]"))
        }
        raw("],\"tt\":[")
        for (index, totals) in schedule.transactionTotals.enumerated() {
            if index > 0 { comma() }
            byte(UInt8(ascii: "["))
            amounts(totals)
            byte(UInt8(ascii: "]"))
        }
        raw("],\"tx\":[")
        for (index, id) in schedule.appliedTransactionIDs.enumerated() {
            if index > 0 { comma() }
            string(id)
        }
        byte(UInt8(ascii: "]"))
        if let number = schedule.cancellationEntryNumber {
            raw(",\"cn\":")
            integer(Int64(number))
        }
        raw(",\"en\":[")
        for (index, entry) in schedule.entries.enumerated() {
            if index > 0 { comma() }
            write(entry)
        }
        raw("]}")
    }

    private mutating func write(_ issuance: PolicyIssuance) {
        raw("{\"number\":")
        string(issuance.policyNumber)
        raw(",\"state\":")
        string(issuance.state)
        raw(",\"line\":")
        string(issuance.lineOfBusiness)
        raw(",\"term\":[")
        date(issuance.term.start)
        comma()
        date(issuance.term.end)
        raw("],\"currency\":")
        string(issuance.currency.rawValue)
        raw(",\"frequency\":")
        string(issuance.billing.frequency.rawValue)
        raw(",\"method\":")
        string(issuance.billing.method.rawValue)
        if let paymentMethod = issuance.paymentMethod {
            raw(",\"payment_method\":")
            var json = paymentMethod.serialized()
            json.withUTF8 { raw($0) }
        }
        if let carrierID = issuance.carrierID {
            raw(",\"carrier\":")
            string(carrierID)
        }
        if let agencyID = issuance.agencyID {
            raw(",\"agency\":")
            string(agencyID)
        }
        if let commissionRate = issuance.commissionRate {
            raw(",\"commission\":")
            string(commissionRate)
        }
        byte(UInt8(ascii: "}"))
    }

    private mutating func write(_ entry: ScheduleEntry) {
        byte(UInt8(ascii: "["))
        integer(Int64(entry.entryNumber))
        comma()
        date(entry.scheduleDate)
        comma()
        string(entry.transaction.rawValue)
        comma()
        string(entry.status.rawValue)
        raw(entry.isPaid ? ",true,[" : ",false,[")
        for (index, detail) in entry.details.enumerated() {
            if index > 0 { comma() }
            byte(UInt8(ascii: "["))
            integer(Int64(detail.itemIndex))
            comma()
            amounts(detail.amounts)
            byte(UInt8(ascii: "]"))
        }
        raw("]]")
    }

    private mutating func amounts(_ amounts: ComponentAmounts) {
        integer(amounts.premium.cents)
        comma()
        integer(amounts.fee.cents)
        comma()
        integer(amounts.tax.cents)
    }

    /// Where the next `extra` bytes go, growing the buffer when they do not fit.
    @inline(__always)
    private mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count + extra > capacity { grow(to: count + extra) }
        return base + count
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, capacity * 2)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inline(__always)
    private mutating func byte(_ value: UInt8) {
        reserve(1).initialize(to: value)
        count += 1
    }

    @inline(__always)
    private mutating func comma() { byte(UInt8(ascii: ",")) }

    private mutating func raw(_ piece: UnsafeBufferPointer<UInt8>) {
        guard let source = piece.baseAddress, !piece.isEmpty else { return }
        reserve(piece.count).initialize(from: source, count: piece.count)
        count += piece.count
    }

    private mutating func raw(_ text: StaticString) {
        raw(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A string as is between quotes; one that needs escaping goes through `JSONValue`'s writer,
    /// so the escaping rules live in one place.
    private mutating func string(_ text: String) {
        var text = text
        let plain = text.withUTF8 { utf8 in
            !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        guard plain else {
            var escaped = JSONValue.string(text).serialized()
            escaped.withUTF8 { raw($0) }
            return
        }
        byte(UInt8(ascii: "\""))
        text.withUTF8 { raw($0) }
        byte(UInt8(ascii: "\""))
    }

    /// Decimal digits, written straight into the buffer.
    private mutating func integer(_ value: Int64) {
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        let sign = value < 0 ? 1 : 0
        let start = reserve(sign + digits)
        if sign == 1 { start.initialize(to: UInt8(ascii: "-")) }
        var slot = start + sign + digits
        repeat {
            slot -= 1
            slot.initialize(to: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        count += sign + digits
    }

    /// `"YYYY-MM-DD"`, as `CalendarDate.description` writes it.
    private mutating func date(_ date: CalendarDate) {
        guard (0...9999).contains(date.year), (1...12).contains(date.month), (1...31).contains(date.day) else {
            string(date.description)
            return
        }
        let start = reserve(12)
        func put(_ value: Int, at position: Int, width: Int) {
            var rest = value
            for offset in (0..<width).reversed() {
                (start + position + offset).initialize(to: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
                rest /= 10
            }
        }
        start.initialize(to: UInt8(ascii: "\""))
        put(date.year, at: 1, width: 4)
        (start + 5).initialize(to: UInt8(ascii: "-"))
        put(date.month, at: 6, width: 2)
        (start + 8).initialize(to: UInt8(ascii: "-"))
        put(date.day, at: 9, width: 2)
        (start + 11).initialize(to: UInt8(ascii: "\""))
        count += 12
    }
}

// MARK: - Reading

/// Reads the version 1 form straight into a `PolicySchedule`. Every check is explicit (bounds,
/// types, ranges, references between parts), so malformed text is an error, never a trap.
/// Member names and enumeration values are matched as bytes; error messages are only built on
/// the way out (`@inline(never)` helpers), so the paths that succeed stay small.
struct ScheduleStorageReader {
    enum Outcome {
        case schedule(PolicySchedule)
        /// No "v" at the top: the `JSONEncoder` form.
        case legacy
        case failure(ScheduleStorageError)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var reader = ScheduleStorageReader(bytes)
        do throws(ScheduleStorageError) {
            return try reader.document()
        } catch {
            return .failure(error)
        }
    }

    // MARK: The schedule

    /// Top-level keys, in the order `ScheduleStorageWriter` writes them; the position is the slot.
    private static let scheduleKeys = Choices<Int>(["v", "id", "st", "is", "pd", "it", "tt", "tx", "cn", "en"])
    private static let issuanceKeys = Choices<Int>([
        "number", "state", "line", "term", "currency", "frequency", "method", "payment_method", "carrier", "agency", "commission",
    ])

    private mutating func document() throws(ScheduleStorageError) -> Outcome {
        skipWhitespace()
        guard position < bytes.count else { throw ScheduleStorageError(field: "", problem: "the text is empty") }
        guard bytes[position] == UInt8(ascii: "{") else { throw unexpected(expected: "'{' (a schedule is a JSON object)") }
        position += 1

        var version: Int64?
        var policyID: String?
        var state: PolicySchedule.State?
        var issuance: PolicyIssuance?
        var planDates: [CalendarDate]?
        var items: [PolicyItem]?
        var totals: [ComponentAmounts]?
        var transactionIDs: [String]?
        var cancellationEntryNumber: Int?
        var entries: [ScheduleEntry]?
        var seen: UInt32 = 0

        var count = 0
        while let key = try nextMember(count, closer: UInt8(ascii: "}")) {
            count += 1
            guard let slot = Self.scheduleKeys.match(key, in: bytes) else {
                // A key the version 1 form does not have: the legacy form, unless "v" is there.
                if version == nil, try !hasTopLevelVersion() { return .legacy }
                throw ScheduleStorageError(field: "", problem: "unknown key '\(text(of: key))' in a version \(PolicySchedule.storageVersion) schedule")
            }
            guard seen & (1 << slot) == 0 else {
                throw ScheduleStorageError(field: Self.fieldNames[slot], problem: "appears twice (key '\(text(of: key))')")
            }
            seen |= 1 << slot
            do throws(ScheduleStorageError) {
                switch slot {
                case 0:
                    let number = try integer()
                    guard number == Int64(PolicySchedule.storageVersion) else { throw Self.unsupported(version: number) }
                    version = number
                case 1: policyID = try string()
                case 2: state = try enumeration(Self.states)
                case 3: issuance = try self.issuance()
                case 4: planDates = try dates()
                case 5: items = try self.items()
                case 6: totals = try amountsList(countHint: items?.count ?? 4)
                case 7: transactionIDs = try strings()
                case 8: cancellationEntryNumber = try optionalInteger()
                default: entries = try self.entries(itemHint: items?.count ?? 4, countHint: planDates?.count ?? 4)
                }
            } catch {
                throw error.inside(Self.fieldNames[slot])
            }
        }
        try end()
        guard version != nil else {
            // Only version 1 keys but no "v": a damaged version 1 text rather than the legacy form.
            if seen != 0 { throw Self.missing(0) }
            return .legacy
        }

        func required<Value>(_ value: Value?, _ slot: Int) throws(ScheduleStorageError) -> Value {
            guard let value else { throw Self.missing(slot) }
            return value
        }
        var schedule = PolicySchedule(policyID: try required(policyID, 1))
        schedule.state = try required(state, 2)
        schedule.issuance = issuance
        schedule.planDates = try required(planDates, 4)
        schedule.items = try required(items, 5)
        schedule.transactionTotals = try required(totals, 6)
        schedule.appliedTransactionIDs = try required(transactionIDs, 7)
        schedule.cancellationEntryNumber = cancellationEntryNumber
        schedule.entries = try required(entries, 9)
        try Self.checkReferences(schedule)
        return .schedule(schedule)
    }

    /// The `PolicySchedule` property each top-level key holds, by slot.
    private static let fieldNames = [
        "v", "policyID", "state", "issuance", "planDates", "items", "transactionTotals", "appliedTransactionIDs",
        "cancellationEntryNumber", "entries",
    ]

    @inline(never)
    private static func missing(_ slot: Int) -> ScheduleStorageError {
        ScheduleStorageError(field: fieldNames[slot], problem: "is missing (key '\(scheduleKeys.names[slot])')")
    }

    @inline(never)
    private static func unsupported(version: Int64) -> ScheduleStorageError {
        ScheduleStorageError(field: "", problem: "unsupported storage version \(version) (this build reads version \(PolicySchedule.storageVersion))")
    }

    /// The links between parts that the engine relies on (it indexes by them); checked for the
    /// legacy form too.
    static func checkReferences(_ schedule: PolicySchedule) throws(ScheduleStorageError) {
        guard schedule.transactionTotals.count == schedule.items.count else {
            throw ScheduleStorageError(field: "transactionTotals", problem: "has \(schedule.transactionTotals.count) rows for \(schedule.items.count) items")
        }
        guard (schedule.issuance == nil) == (schedule.state == .awaitingIssuance) else {
            throw ScheduleStorageError(field: "state", problem: "'\(schedule.state.rawValue)' does not fit a schedule \(schedule.issuance == nil ? "without" : "with") an issuance")
        }
        let itemCount = schedule.items.count
        for index in schedule.entries.indices {
            guard schedule.entries[index].entryNumber == index + 1 else {
                throw ScheduleStorageError(field: "entries[\(index)].entryNumber", problem: "is \(schedule.entries[index].entryNumber); entries are numbered 1, 2, … in order, so it must be \(index + 1)")
            }
            for (position, detail) in schedule.entries[index].details.enumerated() where !(0..<itemCount).contains(detail.itemIndex) {
                throw ScheduleStorageError(field: "entries[\(index)].details[\(position)].itemIndex", problem: "\(detail.itemIndex) is not an index into the \(itemCount) items")
            }
        }
        if let number = schedule.cancellationEntryNumber, !schedule.entries.indices.contains(number - 1) {
            throw ScheduleStorageError(field: "cancellationEntryNumber", problem: "\(number) is not one of the \(schedule.entries.count) entries")
        }
    }

    private mutating func issuance() throws(ScheduleStorageError) -> PolicyIssuance {
        try expectOpening(UInt8(ascii: "{"), "an issuance object")
        var policyNumber: String?, state: String?, line: String?, term: PolicyTerm?, currency: Currency?
        var frequency: BillingFrequency?, method: CalculationMethod?, paymentMethod: JSONValue?
        var carrierID: String?, agencyID: String?, commissionRate: String?
        var seen: UInt32 = 0
        var count = 0
        while let key = try nextMember(count, closer: UInt8(ascii: "}")) {
            count += 1
            guard let slot = Self.issuanceKeys.match(key, in: bytes) else {
                throw ScheduleStorageError(field: "", problem: "unknown key '\(text(of: key))' in the issuance")
            }
            let name = Self.issuanceKeys.names[slot]
            guard seen & (1 << slot) == 0 else { throw ScheduleStorageError(field: name, problem: "appears twice") }
            seen |= 1 << slot
            do throws(ScheduleStorageError) {
                switch slot {
                case 0: policyNumber = try string()
                case 1: state = try string()
                case 2: line = try string()
                case 3: term = try self.term()
                case 4: currency = try enumeration(Self.currencies)
                case 5: frequency = try enumeration(Self.frequencies)
                case 6: method = try enumeration(Self.methods)
                case 7: paymentMethod = try anyValue()
                case 8: carrierID = try optionalString()
                case 9: agencyID = try optionalString()
                default: commissionRate = try optionalString()
                }
            } catch {
                throw error.inside(name)
            }
        }
        func required<Value>(_ value: Value?, _ slot: Int) throws(ScheduleStorageError) -> Value {
            guard let value else { throw ScheduleStorageError(field: Self.issuanceKeys.names[slot], problem: "is missing") }
            return value
        }
        return PolicyIssuance(
            policyNumber: try required(policyNumber, 0), state: try required(state, 1),
            lineOfBusiness: try required(line, 2), term: try required(term, 3),
            currency: try required(currency, 4),
            billing: BillingPlan(frequency: try required(frequency, 5), method: try required(method, 6)),
            paymentMethod: paymentMethod, carrierID: carrierID, agencyID: agencyID, commissionRate: commissionRate
        )
    }

    private mutating func term() throws(ScheduleStorageError) -> PolicyTerm {
        try expectOpening(UInt8(ascii: "["), "[start, end]")
        guard try nextElement(0, closer: UInt8(ascii: "]")) else { throw ScheduleStorageError(field: "", problem: "needs [start, end], found []") }
        let start: CalendarDate
        do throws(ScheduleStorageError) { start = try date() } catch { throw error.inside("start") }
        guard try nextElement(1, closer: UInt8(ascii: "]")) else { throw ScheduleStorageError(field: "", problem: "needs [start, end], found only a start") }
        let end: CalendarDate
        do throws(ScheduleStorageError) { end = try date() } catch { throw error.inside("end") }
        try endTuple(2, "[start, end]")
        do {
            return try PolicyTerm(start: start, end: end)
        } catch {
            throw ScheduleStorageError(field: "", problem: error.message)
        }
    }

    private mutating func items() throws(ScheduleStorageError) -> [PolicyItem] {
        var items: [PolicyItem] = []
        try array { reader, _ throws(ScheduleStorageError) in
            try reader.expectOpening(UInt8(ascii: "["), "an item [kind, ref, name]")
            let kind = try reader.tupleField(0, "kind") { reader throws(ScheduleStorageError) in try reader.enumeration(Self.itemKinds) }
            let ref = try reader.tupleField(1, "ref") { reader throws(ScheduleStorageError) in try reader.string() }
            let name = try reader.tupleField(2, "name") { reader throws(ScheduleStorageError) in try reader.string() }
            try reader.endTuple(3, "[kind, ref, name]")
            items.append(PolicyItem(kind: kind, ref: ref, name: name))
        }
        return items
    }

    private mutating func entries(itemHint: Int, countHint: Int) throws(ScheduleStorageError) -> [ScheduleEntry] {
        var entries: [ScheduleEntry] = []
        entries.reserveCapacity(countHint)
        try array { reader, _ throws(ScheduleStorageError) in
            try reader.expectOpening(UInt8(ascii: "["), "an entry [entryNumber, scheduleDate, transaction, status, isPaid, details]")
            let number = try reader.tupleField(0, "entryNumber") { reader throws(ScheduleStorageError) in try reader.integer() }
            let date = try reader.tupleField(1, "scheduleDate") { reader throws(ScheduleStorageError) in try reader.date() }
            let transaction = try reader.tupleField(2, "transaction") { reader throws(ScheduleStorageError) in try reader.enumeration(Self.transactionKinds) }
            let status = try reader.tupleField(3, "status") { reader throws(ScheduleStorageError) in try reader.enumeration(Self.statuses) }
            let isPaid = try reader.tupleField(4, "isPaid") { reader throws(ScheduleStorageError) in try reader.boolean() }
            let details = try reader.tupleField(5, "details") { reader throws(ScheduleStorageError) in try reader.details(itemHint: itemHint) }
            try reader.endTuple(6, "[entryNumber, scheduleDate, transaction, status, isPaid, details]")
            entries.append(ScheduleEntry(
                entryNumber: Int(number), scheduleDate: date, transaction: transaction,
                status: status, isPaid: isPaid, details: details
            ))
        }
        return entries
    }

    private mutating func details(itemHint: Int) throws(ScheduleStorageError) -> [EntryDetail] {
        var details: [EntryDetail] = []
        details.reserveCapacity(itemHint)
        try array { reader, _ throws(ScheduleStorageError) in
            try reader.expectOpening(UInt8(ascii: "["), "a detail [itemIndex, premium, fee, tax]")
            let itemIndex = try reader.tupleField(0, "itemIndex") { reader throws(ScheduleStorageError) in try reader.integer() }
            let amounts = try reader.amounts(from: 1)
            try reader.endTuple(4, "[itemIndex, premium, fee, tax]")
            details.append(EntryDetail(itemIndex: Int(itemIndex), amounts: amounts))
        }
        return details
    }

    /// `[premium, fee, tax]`.
    private mutating func amountsArray() throws(ScheduleStorageError) -> ComponentAmounts {
        try expectOpening(UInt8(ascii: "["), "[premium, fee, tax]")
        let amounts = try amounts(from: 0)
        try endTuple(3, "[premium, fee, tax]")
        return amounts
    }

    /// Premium, fee and tax cents at tuple positions `first`, `first + 1`, `first + 2`.
    @inline(__always)
    private mutating func amounts(from first: Int) throws(ScheduleStorageError) -> ComponentAmounts {
        let premium = try tupleField(first, "premium") { reader throws(ScheduleStorageError) in try reader.integer() }
        let fee = try tupleField(first + 1, "fee") { reader throws(ScheduleStorageError) in try reader.integer() }
        let tax = try tupleField(first + 2, "tax") { reader throws(ScheduleStorageError) in try reader.integer() }
        return ComponentAmounts(premium: Money(cents: premium), fee: Money(cents: fee), tax: Money(cents: tax))
    }

    private mutating func amountsList(countHint: Int) throws(ScheduleStorageError) -> [ComponentAmounts] {
        var list: [ComponentAmounts] = []
        list.reserveCapacity(countHint)
        try array { reader, _ throws(ScheduleStorageError) in list.append(try reader.amountsArray()) }
        return list
    }

    private mutating func strings() throws(ScheduleStorageError) -> [String] {
        var list: [String] = []
        try array { reader, _ throws(ScheduleStorageError) in list.append(try reader.string()) }
        return list
    }

    private mutating func dates() throws(ScheduleStorageError) -> [CalendarDate] {
        var dates: [CalendarDate] = []
        dates.reserveCapacity(13)
        try array { reader, _ throws(ScheduleStorageError) in dates.append(try reader.date()) }
        return dates
    }

    /// Whether the top-level object has a "v" member (scanned without decoding the values).
    private func hasTopLevelVersion() throws(ScheduleStorageError) -> Bool {
        var scanner = ScheduleStorageReader(bytes)
        scanner.skipWhitespace()
        scanner.position += 1
        var count = 0
        while let key = try scanner.nextMember(count, closer: UInt8(ascii: "}")) {
            if Self.scheduleKeys.match(key, in: bytes) == 0 { return true }
            try scanner.skipValue()
            count += 1
        }
        return false
    }

    // MARK: Structure

    /// Runs `body` for each element of an array (the reader is at its '[').
    @inline(__always)
    private mutating func array(
        _ body: (inout ScheduleStorageReader, Int) throws(ScheduleStorageError) -> Void
    ) throws(ScheduleStorageError) {
        try expectOpening(UInt8(ascii: "["), "an array")
        var index = 0
        while try nextElement(index, closer: UInt8(ascii: "]")) {
            do throws(ScheduleStorageError) {
                try body(&self, index)
            } catch {
                throw error.inside("[\(index)]")
            }
            index += 1
        }
    }

    /// Element `index` of a positional array (a tuple), named `name` in errors.
    @inline(__always)
    private mutating func tupleField<Value>(
        _ index: Int, _ name: StaticString, _ read: (inout ScheduleStorageReader) throws(ScheduleStorageError) -> Value
    ) throws(ScheduleStorageError) -> Value {
        guard try nextElement(index, closer: UInt8(ascii: "]")) else { throw Self.missingElement(index, name) }
        do throws(ScheduleStorageError) {
            return try read(&self)
        } catch {
            throw error.inside("\(name)")
        }
    }

    @inline(never)
    private static func missingElement(_ index: Int, _ name: StaticString) -> ScheduleStorageError {
        ScheduleStorageError(field: "\(name)", problem: "is missing (the array ends after \(index) elements)")
    }

    private mutating func endTuple(_ count: Int, _ shape: StaticString) throws(ScheduleStorageError) {
        guard try !nextElement(count, closer: UInt8(ascii: "]")) else { throw tooLong(count, shape) }
    }

    @inline(never)
    private func tooLong(_ count: Int, _ shape: StaticString) -> ScheduleStorageError {
        ScheduleStorageError(field: "", problem: "has more than \(count) elements \(shape) at byte \(position)")
    }

    private mutating func expectOpening(_ opening: UInt8, _ what: StaticString) throws(ScheduleStorageError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == opening else { throw unexpected(expected: "\(what)") }
        position += 1
    }

    /// Before element `index` of the open array or object: true at an element, false after the
    /// closer.
    @inline(__always)
    private mutating func nextElement(_ index: Int, closer: UInt8) throws(ScheduleStorageError) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw unexpected(afterElement: index, closer: closer) }
        if bytes[position] == closer {
            position += 1
            return false
        }
        if index > 0 {
            guard bytes[position] == UInt8(ascii: ",") else { throw unexpected(afterElement: index, closer: closer) }
            position += 1
            skipWhitespace()
        }
        return true
    }

    @inline(never)
    private func unexpected(afterElement index: Int, closer: UInt8) -> ScheduleStorageError {
        let closing = Character(Unicode.Scalar(closer))
        return unexpected(expected: index == 0 ? "a value or '\(closing)'" : "',' or '\(closing)'")
    }

    /// The next member name of the open object as a string token (the reader then is at the
    /// value), or nil after '}'.
    private mutating func nextMember(_ index: Int, closer: UInt8) throws(ScheduleStorageError) -> Token? {
        guard try nextElement(index, closer: closer) else { return nil }
        let key = try token()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw unexpectedColon(after: key) }
        position += 1
        skipWhitespace()
        return key
    }

    @inline(never)
    private func unexpectedColon(after key: Token) -> ScheduleStorageError {
        unexpected(expected: "':' after the member name '\(text(of: key))'")
    }

    private mutating func end() throws(ScheduleStorageError) {
        skipWhitespace()
        guard position == bytes.count else { throw unexpected(expected: "the end of the text after the schedule object") }
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        position = bytes.endOfJSONWhitespace(from: position)
    }

    /// Moves past one value of any kind, checking only that brackets and strings are closed.
    private mutating func skipValue() throws(ScheduleStorageError) {
        skipWhitespace()
        var depth = 0
        repeat {
            guard position < bytes.count else { throw unexpected(expected: "the rest of a value") }
            switch bytes[position] {
            case UInt8(ascii: "\""): _ = try token()
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                position += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard depth > 0 else { throw unexpected(expected: "a value") }
                depth -= 1
                position += 1
            case UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                guard depth > 0 else { return }
                position += 1
            default: position += 1
            }
        } while depth > 0 || (position < bytes.count && !Self.endsScalar(bytes[position]))
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "), UInt8(ascii: "\n"),
             UInt8(ascii: "\r"), UInt8(ascii: "\t"): true
        default: false
        }
    }

    // MARK: Values

    private mutating func integer() throws(ScheduleStorageError) -> Int64 {
        let start = position
        var index = position
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let first = index
        var magnitude: UInt64 = 0
        while index < bytes.count, Self.isDigit(bytes[index]) {
            // Wrapping is harmless: more than 19 digits are refused below.
            magnitude = magnitude &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        let digits = index - first
        guard digits > 0, index == bytes.count || (bytes[index] != UInt8(ascii: ".") && bytes[index] | 0x20 != UInt8(ascii: "e")) else {
            throw unexpected(expected: digits > 0 ? "an integer (cents and numbers are whole)" : "an integer")
        }
        // Nineteen digits never wrap a UInt64; twenty may.
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard digits < 19 || (digits == 19 && magnitude <= limit) else { throw Self.outOfRange(start) }
        position = index
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    @inline(never)
    private static func outOfRange(_ start: Int) -> ScheduleStorageError {
        ScheduleStorageError(field: "", problem: "integer at byte \(start) is out of range")
    }

    /// An integer or null.
    private mutating func optionalInteger() throws(ScheduleStorageError) -> Int? {
        if literal("null") { return nil }
        return Int(try integer())
    }

    private mutating func boolean() throws(ScheduleStorageError) -> Bool {
        if literal("true") { return true }
        if literal("false") { return false }
        throw unexpected(expected: "true or false")
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// A string token: the bytes between the quotes, and whether they hold escapes.
    struct Token: Sendable {
        let open: Int
        let content: Range<Int>
        let escaped: Bool
    }

    /// Scans a string token at `position` (refusing unescaped control characters) and moves
    /// past it.
    private mutating func token() throws(ScheduleStorageError) -> Token {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw unexpected(expected: "a string") }
        let open = position
        var index = open + 1
        var escaped = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                position = index + 1
                return Token(open: open, content: (open + 1)..<index, escaped: escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 2
            case 0..<0x20:
                throw ScheduleStorageError(field: "", problem: "unescaped control character in the string at byte \(open)")
            default:
                index += 1
            }
        }
        position = bytes.count
        throw ScheduleStorageError(field: "", problem: "unterminated string starting at byte \(open)")
    }

    private mutating func string() throws(ScheduleStorageError) -> String {
        let token = try token()
        guard token.escaped else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[token.content]), as: UTF8.self)
        }
        return try unescaped(token)
    }

    /// Escapes are rare (names with quotes or control characters): the shared parser decodes them.
    private func unescaped(_ token: Token) throws(ScheduleStorageError) -> String {
        let quoted = UnsafeBufferPointer(rebasing: bytes[token.open..<(token.content.upperBound + 1)])
        let value: JSONValue
        do {
            value = try JSONValue.parse(quoted)
        } catch {
            throw ScheduleStorageError(field: "", problem: "bad escape in the string at byte \(token.open): \(error.description)")
        }
        guard case .string(let text) = value else {
            throw ScheduleStorageError(field: "", problem: "the string at byte \(token.open) is not a string")
        }
        return text
    }

    /// A token's text for matching and messages (a bad escape shows as U+FFFD).
    private func text(of token: Token) -> String {
        guard token.escaped else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[token.content]), as: UTF8.self)
        }
        return (try? unescaped(token)) ?? "\u{FFFD}"
    }

    private mutating func optionalString() throws(ScheduleStorageError) -> String? {
        literal("null") ? nil : try string()
    }

    /// One of the raw values in `choices`.
    private mutating func enumeration<Value>(_ choices: Choices<Value>) throws(ScheduleStorageError) -> Value {
        let token = try token()
        guard let value = choices.match(token, in: bytes) else {
            throw ScheduleStorageError(field: "", problem: "'\(text(of: token))' at byte \(token.open) is not one of \(choices.names.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return value
    }

    private static let states = Choices(PolicySchedule.State.self)
    private static let currencies = Choices(Currency.self)
    private static let frequencies = Choices(BillingFrequency.self)
    private static let methods = Choices(CalculationMethod.self)
    private static let itemKinds = Choices(ItemKind.self)
    private static let transactionKinds = Choices(TransactionKind.self)
    private static let statuses = Choices(ScheduleEntry.Status.self)

    /// `"YYYY-MM-DD"`, a real calendar date.
    private mutating func date() throws(ScheduleStorageError) -> CalendarDate {
        let start = position
        guard position + 12 <= bytes.count, bytes[position] == UInt8(ascii: "\""), bytes[position + 11] == UInt8(ascii: "\""),
              bytes[position + 5] == UInt8(ascii: "-"), bytes[position + 8] == UInt8(ascii: "-"),
              let year = digits(position + 1, 4), let month = digits(position + 6, 2), let day = digits(position + 9, 2)
        else { throw unexpected(expected: "a date \"YYYY-MM-DD\"") }
        do {
            let date = try CalendarDate(year: year, month: month, day: day)
            position += 12
            return date
        } catch {
            throw ScheduleStorageError(field: "", problem: "\(error.description) (at byte \(start))")
        }
    }

    @inline(__always)
    private func digits(_ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            guard Self.isDigit(bytes[index]) else { return nil }
            value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
        }
        return value
    }

    /// Any JSON value (the payment method), parsed by `JSONValue.parse`.
    private mutating func anyValue() throws(ScheduleStorageError) -> JSONValue {
        let start = position
        try skipValue()
        do {
            return try JSONValue.parse(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        } catch {
            throw ScheduleStorageError(field: "", problem: "the value at byte \(start) is not JSON: \(error.description)")
        }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: Errors

    /// `expected an integer, found '"12.50"' at byte 812`, or `… found the end of the text …`.
    @inline(never)
    private func unexpected(expected: String) -> ScheduleStorageError {
        guard position < bytes.count else {
            return ScheduleStorageError(field: "", problem: "expected \(expected), found the end of the text at byte \(position) (truncated?)")
        }
        var end = position
        while end < bytes.count, end - position < 24 {
            let byte = bytes[end]
            if end > position, byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") { break }
            end += 1
        }
        let found = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        return ScheduleStorageError(field: "", problem: "expected \(expected), found '\(found)' at byte \(position)")
    }

    /// Names (member names or raw values) matched as bytes against a string token.
    struct Choices<Value: Sendable>: Sendable {
        let names: [String]
        private let utf8: [[UInt8]]
        private let values: [Value]

        init(_ names: [String], values: [Value]) {
            self.names = names
            utf8 = names.map { Array($0.utf8) }
            self.values = values
        }

        func match(_ token: Token, in bytes: UnsafeBufferPointer<UInt8>) -> Value? {
            if token.escaped {
                var decoded = ScheduleStorageReader(bytes).text(of: token)
                return decoded.withUTF8(match)
            }
            return match(UnsafeBufferPointer(rebasing: bytes[token.content]))
        }

        private func match(_ candidate: UnsafeBufferPointer<UInt8>) -> Value? {
            search: for index in utf8.indices where utf8[index].count == candidate.count {
                for offset in 0..<candidate.count where utf8[index][offset] != candidate[offset] { continue search }
                return values[index]
            }
            return nil
        }
    }
}

extension ScheduleStorageReader.Choices where Value == Int {
    /// Member names; the match is the name's position.
    init(_ names: [String]) {
        self.init(names, values: Array(names.indices))
    }
}

extension ScheduleStorageReader.Choices {
    /// An enumeration's raw values.
    init(_ type: Value.Type) where Value: CaseIterable & RawRepresentable<String> {
        self.init(Value.allCases.map(\.rawValue), values: Array(Value.allCases))
    }
}
