/// Reads a BAI2 file strictly: the record order 01 (02 (03 16* 49)* 98)* 99, 88 continuations
/// joined to the record they continue, and every trailer's control total and record count checked
/// against the records actually read. Any fault refuses the whole file with its line number.
extension BAI2File {
    public static func parse(_ text: String, fileName: String) throws(BankFileError) -> BAI2File {
        let records = try BAI2Record.logicalRecords(text, fileName: fileName)
        var cursor = BAI2Cursor(records: records, fileName: fileName)

        let header = try cursor.expect("01", "a file header (01)")
        let headerFields = header.fields(minimum: 9)
        let createdOn = try cursor.date(headerFields[3], header, "file creation date")
        guard headerFields[8] == "2" else { throw cursor.error(header, "version number '\(headerFields[8])' is not 2 (BAI2)") }
        var file = BAI2File(
            sender: headerFields[1], receiver: headerFields[2], createdOn: createdOn, createdAt: headerFields[4], fileID: headerFields[5], groups: []
        )
        var fileRecords = header.physicalLines
        while let record = cursor.peek(), record.code == "02" {
            let (group, count) = try parseGroup(&cursor)
            file.groups.append(group)
            fileRecords += count
        }
        let trailer = try cursor.expect("99", "a group header (02) or the file trailer (99)")
        fileRecords += trailer.physicalLines
        let fields = trailer.fields(minimum: 4)
        try cursor.check(trailer, fields, control: file.controlTotal, counts: [(2, file.groups.count, "number of groups"), (3, fileRecords, "number of records")], "file")
        if let extra = cursor.peek() { throw cursor.error(extra, "record after the file trailer (99)") }
        return file
    }

    private static func parseGroup(_ cursor: inout BAI2Cursor) throws(BankFileError) -> (BAI2Group, Int) {
        let header = try cursor.expect("02", "a group header (02)")
        let fields = header.fields(minimum: 8)
        guard let status = Int(fields[3]), (1...4).contains(status) else { throw cursor.error(header, "group status '\(fields[3])' is not 1-4") }
        var group = BAI2Group(
            ultimateReceiver: fields[1], originator: fields[2], status: status, asOfDate: try cursor.date(fields[4], header, "as-of date"),
            currency: fields[6].isEmpty ? "USD" : fields[6], accounts: []
        )
        var records = header.physicalLines
        while let record = cursor.peek(), record.code == "03" {
            let (account, count) = try parseAccount(&cursor, currency: group.currency)
            group.accounts.append(account)
            records += count
        }
        let trailer = try cursor.expect("98", "an account identifier (03) or the group trailer (98)")
        records += trailer.physicalLines
        try cursor.check(
            trailer, trailer.fields(minimum: 4), control: group.controlTotal,
            counts: [(2, group.accounts.count, "number of accounts"), (3, records, "number of records")], "group"
        )
        return (group, records)
    }

    private static func parseAccount(_ cursor: inout BAI2Cursor, currency: String) throws(BankFileError) -> (BAI2Account, Int) {
        let identifier = try cursor.expect("03", "an account identifier (03)")
        let fields = identifier.fields(minimum: 3)
        guard !fields[1].isEmpty else { throw cursor.error(identifier, "account identifier has no account number") }
        var account = BAI2Account(accountNumber: fields[1], currency: fields[2].isEmpty ? currency : fields[2], transactions: [])
        var index = 3
        while index < fields.count, !(fields[index].isEmpty && fields[index...].allSatisfy(\.isEmpty)) {
            guard index + 3 < fields.count else { throw cursor.error(identifier, "summary for type code '\(fields[index])' is incomplete") }
            let amount = fields[index + 1].isEmpty ? nil : try cursor.amount(fields[index + 1], identifier, "summary amount")
            let itemCount: Int?
            if fields[index + 2].isEmpty { itemCount = nil } else {
                guard let count = Int(fields[index + 2]) else { throw cursor.error(identifier, "item count '\(fields[index + 2])' is not a number") }
                itemCount = count
            }
            account.summaries.append(BAI2Summary(typeCode: fields[index], amount: amount, itemCount: itemCount))
            index = try cursor.skipFundsType(fields, at: index + 3, identifier)
        }
        var records = identifier.physicalLines
        while let record = cursor.peek(), record.code == "16" {
            _ = cursor.next()
            records += record.physicalLines
            account.transactions.append(try parseTransaction(record, &cursor))
        }
        let trailer = try cursor.expect("49", "a transaction detail (16) or the account trailer (49)")
        records += trailer.physicalLines
        try cursor.check(trailer, trailer.fields(minimum: 3), control: account.controlTotal, counts: [(2, records, "number of records")], "account \(account.accountNumber)")
        return (account, records)
    }

    private static func parseTransaction(_ record: BAI2Record, _ cursor: inout BAI2Cursor) throws(BankFileError) -> BAI2Transaction {
        // Fields: 16, type code, amount, funds type (+ its own fields), bank ref, customer ref, text (the rest, commas included).
        let fields = record.fields(minimum: 0)
        guard fields.count >= 4 else { throw cursor.error(record, "transaction detail has \(fields.count) fields, fewer than 4") }
        let amount = try cursor.amount(fields[2], record, "transaction amount")
        let afterFunds = try cursor.skipFundsType(fields, at: 3, record)
        guard afterFunds + 1 < fields.count else { throw cursor.error(record, "transaction detail lacks its bank and customer references") }
        return BAI2Transaction(
            typeCode: fields[1], amount: amount, fundsType: fields[3], bankReference: fields[afterFunds], customerReference: fields[afterFunds + 1],
            text: fields.count > afterFunds + 2 ? fields[(afterFunds + 2)...].joined(separator: ",") : ""
        )
    }
}

/// One logical record: its first physical line, code, content (without the "/" terminator), and
/// how many physical lines (the record and its 88 continuations) it spans.
struct BAI2Record {
    let line: Int
    let code: String
    var content: String
    var physicalLines: Int
    /// Whether the last physical line ended with "/": an 88 after it starts a new field; after an
    /// unterminated line (a 16's text cut at the line length) it continues the text.
    var endsWithDelimiter: Bool

    static let knownCodes: Set<String> = ["01", "02", "03", "16", "49", "88", "98", "99"]

    /// Comma-separated fields, the record code first; padded with blanks to `minimum`.
    func fields(minimum: Int) -> [String] {
        var fields = content.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        while fields.count < minimum { fields.append("") }
        return fields
    }

    static func logicalRecords(_ text: String, fileName: String) throws(BankFileError) -> [BAI2Record] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw BankFileError(file: fileName, line: nil, "the file is empty") }
        var physicalLength: Int?
        var records: [BAI2Record] = []
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            if let physicalLength, raw.count > physicalLength {
                throw BankFileError(file: fileName, line: number, "record is \(raw.count) characters, longer than the physical record length \(physicalLength)")
            }
            let code = String(raw.prefix(2))
            guard raw.count >= 2, knownCodes.contains(code), raw.count == 2 || raw.dropFirst(2).first == "," else {
                throw BankFileError(file: fileName, line: number, "unknown record type '\(code)'")
            }
            // Fixed-length files pad records after the "/" terminator.
            var content = String(raw)
            while content.last == " " { content.removeLast() }
            let terminated = content.hasSuffix("/")
            if terminated { content.removeLast() }
            if code != "16", code != "88", !terminated {
                throw BankFileError(file: fileName, line: number, "record \(code) is not terminated by '/'")
            }
            if code == "88" {
                guard !records.isEmpty else { throw BankFileError(file: fileName, line: number, "continuation (88) without a record to continue") }
                let continued = records.count - 1
                records[continued].content += (records[continued].endsWithDelimiter ? "," : "") + content.dropFirst(3)
                records[continued].physicalLines += 1
                records[continued].endsWithDelimiter = terminated
                continue
            }
            if code == "01" {
                let fields = content.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count > 6, !fields[6].isEmpty {
                    guard let length = Int(fields[6]), length > 0 else {
                        throw BankFileError(file: fileName, line: number, "physical record length '\(fields[6])' is not a number")
                    }
                    physicalLength = length
                    if raw.count > length {
                        throw BankFileError(file: fileName, line: number, "record is \(raw.count) characters, longer than the physical record length \(length)")
                    }
                }
            }
            records.append(BAI2Record(line: number, code: code, content: content, physicalLines: 1, endsWithDelimiter: terminated))
        }
        return records
    }
}

/// Walks the logical records, naming the file and line in every error.
struct BAI2Cursor {
    let records: [BAI2Record]
    let fileName: String
    var position = 0

    init(records: [BAI2Record], fileName: String) {
        self.records = records
        self.fileName = fileName
    }

    func peek() -> BAI2Record? { position < records.count ? records[position] : nil }

    mutating func next() -> BAI2Record? {
        defer { position += 1 }
        return peek()
    }

    mutating func expect(_ code: String, _ what: String) throws(BankFileError) -> BAI2Record {
        guard let record = next() else {
            throw BankFileError(file: fileName, line: records.last.map { $0.line + $0.physicalLines }, "truncated: the file ends where \(what) was expected")
        }
        guard record.code == code else { throw error(record, "unexpected record type '\(record.code)' where \(what) was expected") }
        return record
    }

    func error(_ record: BAI2Record, _ reason: String) -> BankFileError {
        BankFileError(file: fileName, line: record.line, reason)
    }

    func amount(_ text: String, _ record: BAI2Record, _ what: String) throws(BankFileError) -> Money {
        var digits = Substring(text)
        var sign: Int64 = 1
        if digits.first == "-" { sign = -1; digits = digits.dropFirst() } else if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let cents = Int64(digits) else {
            throw error(record, "\(what) '\(text)' is not a whole number of cents")
        }
        return Money(cents: sign * cents)
    }

    func date(_ text: String, _ record: BAI2Record, _ what: String) throws(BankFileError) -> CalendarDate {
        guard text.count == 6, text.allSatisfy({ $0.isASCII && $0.isNumber }),
              let date = try? CalendarDate(year: 2000 + Int(text.prefix(2))!, month: Int(text.dropFirst(2).prefix(2))!, day: Int(text.suffix(2))!)
        else { throw error(record, "\(what) '\(text)' is not a YYMMDD date") }
        return date
    }

    /// Funds type S carries three more fields (immediate, one-day, two-or-more-day), V two (value
    /// date and time), D a count and that many (days, amount) pairs; the others none.
    func skipFundsType(_ fields: [String], at index: Int, _ record: BAI2Record) throws(BankFileError) -> Int {
        guard index < fields.count else { throw error(record, "funds type is missing") }
        let extra: Int
        switch fields[index] {
        case "S": extra = 3
        case "V": extra = 2
        case "D":
            guard index + 1 < fields.count, let pairs = Int(fields[index + 1]) else { throw error(record, "distributed funds type without a count") }
            extra = 1 + 2 * pairs
        case "", "Z", "0", "1", "2": extra = 0
        default: throw error(record, "funds type '\(fields[index])' is not 0, 1, 2, S, V, D or Z")
        }
        guard index + extra < fields.count else { throw error(record, "funds type \(fields[index]) is missing its fields") }
        return index + 1 + extra
    }

    /// A trailer's control total (field 1) and counts (by field index) against what was read.
    func check(
        _ trailer: BAI2Record, _ fields: [String], control: Money, counts: [(Int, Int, String)], _ what: String
    ) throws(BankFileError) {
        let stated = try amount(fields[1], trailer, "\(what) control total")
        guard stated == control else {
            throw error(trailer, "\(what) control total \(stated.cents) does not match the records read (\(control.cents))")
        }
        for (index, actual, name) in counts {
            guard let value = Int(fields[index]) else { throw error(trailer, "\(what) \(name) '\(fields[index])' is not a number") }
            guard value == actual else { throw error(trailer, "\(what) \(name) \(value) does not match the records read (\(actual))") }
        }
    }
}
