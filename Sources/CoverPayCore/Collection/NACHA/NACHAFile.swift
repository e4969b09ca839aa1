/// A NACHA file of 94-character records: file header, batches (5 / 6 / 7 / 8), file control
/// ("9"), then lines of 9s up to a multiple of the blocking factor 10.
public struct NACHAFile: Sendable, Hashable {
    public var header: NACHAFileHeader
    public var batches: [NACHABatch]

    public static let recordLength = 94
    public static let blockingFactor = 10

    public init(header: NACHAFileHeader, batches: [NACHABatch]) {
        self.header = header
        self.batches = batches
    }

    public var entries: [NACHAEntry] { batches.flatMap(\.entries) }
    public var entryAndAddendaCount: Int { batches.reduce(0) { $0 + $1.entryAndAddendaCount } }
    public var entryHash: Int64 { batches.reduce(0) { $0 + $1.entryHash } % 10_000_000_000 }
    public var totalDebitCents: Int64 { batches.reduce(0) { $0 + $1.totalDebitCents } }
    public var totalCreditCents: Int64 { batches.reduce(0) { $0 + $1.totalCreditCents } }

    /// File header, batches and file control, without the 9s filler.
    var unpaddedRecordCount: Int { 2 + batches.reduce(0) { $0 + 2 + $1.entryAndAddendaCount } }

    /// Blocks of ten records, counting the filler.
    public var blockCount: Int { (unpaddedRecordCount + NACHAFile.blockingFactor - 1) / NACHAFile.blockingFactor }

    var controlRecord: String {
        "9" + NACHAField.numeric(Int64(batches.count), 6) + NACHAField.numeric(Int64(blockCount), 6)
            + NACHAField.numeric(Int64(entryAndAddendaCount), 8) + NACHAField.numeric(entryHash, 10)
            + NACHAField.numeric(totalDebitCents, 12) + NACHAField.numeric(totalCreditCents, 12)
            + String(repeating: " ", count: 39)
    }

    /// Every record, the filler included.
    public var records: [String] {
        let body = [header.record] + batches.flatMap(\.records) + [controlRecord]
        return body + Array(repeating: NACHAField.fillerRecord, count: blockCount * NACHAFile.blockingFactor - body.count)
    }

    /// The file's text: records separated and ended by "\n".
    public func render() -> String {
        records.joined(separator: "\n") + "\n"
    }
}
