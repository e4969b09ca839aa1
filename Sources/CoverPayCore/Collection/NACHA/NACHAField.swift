/// Fixed-width fields of 94-character NACHA records. Alphanumeric fields are upper-case,
/// left-justified and space-padded; numeric fields are right-justified and zero-padded.
enum NACHAField {
    /// Upper-cased printable ASCII; anything else becomes a space so that the record keeps its width.
    static func alphanumeric(_ text: String, _ length: Int) -> String {
        let bytes = text.uppercased().utf8.prefix(length).map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: " ") }
        return String(decoding: bytes, as: UTF8.self) + String(repeating: " ", count: length - bytes.count)
    }

    /// `value` must be non-negative and fit in `length` digits (checked where the value is accepted).
    static func numeric(_ value: Int64, _ length: Int) -> String {
        let digits = String(value)
        precondition(value >= 0 && digits.utf8.count <= length, "\(value) does not fit \(length) digits")
        return String(repeating: "0", count: length - digits.utf8.count) + digits
    }

    /// YYMMDD.
    static func date(_ date: CalendarDate) -> String {
        numeric(Int64(date.year % 100), 2) + numeric(Int64(date.month), 2) + numeric(Int64(date.day), 2)
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static let fillerRecord = String(repeating: "9", count: NACHAFile.recordLength)
}

/// Reads fields of one record by the 1-based, inclusive positions the NACHA format tables use.
struct NACHARecordReader {
    let bytes: [UInt8]
    let lineNumber: Int

    init(_ line: Substring, lineNumber: Int) throws(NACHAError) {
        bytes = Array(line.utf8)
        self.lineNumber = lineNumber
        guard bytes.count == NACHAFile.recordLength else {
            throw .malformedRecord(line: lineNumber, "is \(bytes.count) characters, not \(NACHAFile.recordLength)")
        }
    }

    var recordType: Character { Character(UnicodeScalar(bytes[0])) }

    func text(_ from: Int, _ through: Int) -> String {
        String(decoding: bytes[(from - 1)..<through], as: UTF8.self)
    }

    func trimmed(_ from: Int, _ through: Int) -> String {
        var value = Substring(text(from, through))
        while value.last == " " { value = value.dropLast() }
        return String(value)
    }

    func number(_ from: Int, _ through: Int, _ name: String) throws(NACHAError) -> Int64 {
        let digits = text(from, through)
        guard NACHAField.isDigits(digits, count: through - from + 1), let value = Int64(digits) else {
            throw .malformedRecord(line: lineNumber, "\(name) '\(digits)' is not numeric")
        }
        return value
    }

    func date(_ from: Int, _ name: String) throws(NACHAError) -> CalendarDate {
        let text = text(from, from + 5)
        guard NACHAField.isDigits(text, count: 6), let yy = Int(text.prefix(2)), let mm = Int(text.dropFirst(2).prefix(2)), let dd = Int(text.suffix(2)),
              let date = try? CalendarDate(year: 2000 + yy, month: mm, day: dd)
        else { throw .malformedRecord(line: lineNumber, "\(name) '\(text)' is not a YYMMDD date") }
        return date
    }
}
