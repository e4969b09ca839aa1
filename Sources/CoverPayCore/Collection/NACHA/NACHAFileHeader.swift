/// The file header record ("1"): who the file goes to, who sends it, and when it was created.
public struct NACHAFileHeader: Sendable, Hashable {
    /// 10 characters: a blank and the nine-digit routing number of the ODFI (or ACH operator).
    public var immediateDestination: String
    /// 10 characters: a blank and a routing number, or the originator's 10-character identification.
    public var immediateOrigin: String
    public var creationDate: CalendarDate
    /// HHMM, 24-hour clock.
    public var creationTime: String
    /// A–Z or 0–9, distinguishing files created the same day.
    public var fileIDModifier: Character
    public var destinationName: String
    public var originName: String
    public var referenceCode: String

    public init(
        immediateDestination: String, immediateOrigin: String, creationDate: CalendarDate, creationTime: String,
        fileIDModifier: Character, destinationName: String, originName: String, referenceCode: String = ""
    ) throws(NACHAError) {
        guard immediateDestination.utf8.count == 10 else { throw .invalidValue("immediate destination must be 10 characters, e.g. ' 091000019'") }
        guard immediateOrigin.utf8.count == 10 else { throw .invalidValue("immediate origin must be 10 characters") }
        guard NACHAField.isDigits(creationTime, count: 4), let hhmm = Int(creationTime), hhmm / 100 < 24, hhmm % 100 < 60 else {
            throw .invalidValue("creation time '\(creationTime)' is not HHMM")
        }
        guard fileIDModifier.isASCII, fileIDModifier.isUppercase || fileIDModifier.isNumber else {
            throw .invalidValue("file ID modifier must be A-Z or 0-9")
        }
        self.immediateDestination = immediateDestination
        self.immediateOrigin = immediateOrigin
        self.creationDate = creationDate
        self.creationTime = creationTime
        self.fileIDModifier = fileIDModifier
        self.destinationName = destinationName
        self.originName = originName
        self.referenceCode = referenceCode
    }

    var record: String {
        "1" + "01" + immediateDestination + immediateOrigin + NACHAField.date(creationDate) + creationTime
            + String(fileIDModifier) + "094" + "10" + "1"
            + NACHAField.alphanumeric(destinationName, 23) + NACHAField.alphanumeric(originName, 23)
            + NACHAField.alphanumeric(referenceCode, 8)
    }

    init(reader: NACHARecordReader) throws(NACHAError) {
        guard reader.text(2, 3) == "01", reader.text(35, 37) == "094", reader.text(38, 39) == "10", reader.text(40, 40) == "1" else {
            throw .malformedRecord(line: reader.lineNumber, "is not a file header with priority 01, record size 094, blocking factor 10, format 1")
        }
        try self.init(
            immediateDestination: reader.text(4, 13), immediateOrigin: reader.text(14, 23),
            creationDate: try reader.date(24, "file creation date"), creationTime: reader.text(30, 33),
            fileIDModifier: Character(reader.text(34, 34)), destinationName: reader.trimmed(41, 63),
            originName: reader.trimmed(64, 86), referenceCode: reader.trimmed(87, 94)
        )
    }
}
