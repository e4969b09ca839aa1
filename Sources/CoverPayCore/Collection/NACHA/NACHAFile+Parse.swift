/// Reads a NACHA file (ours, or a bank's return file) back into its structure, checking the
/// record order and every control total so that a damaged file is refused, not half-imported.
extension NACHAFile {
    public static func parse(_ text: String) throws(NACHAError) -> NACHAFile {
        var readers: [NACHARecordReader] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated()
        where !line.isEmpty {
            readers.append(try NACHARecordReader(line, lineNumber: index + 1))
        }
        var cursor = readers.makeIterator()
        guard let first = cursor.next(), first.recordType == "1" else { throw .structure("the first record is not a file header ('1')") }
        let header = try NACHAFileHeader(reader: first)

        var batches: [NACHABatch] = []
        var fileControl: NACHARecordReader?
        var openBatch: (header: NACHABatchHeader, entries: [NACHAEntry])?
        while let reader = cursor.next() {
            switch reader.recordType {
            case "5":
                guard openBatch == nil else { throw .structure("line \(reader.lineNumber): batch header inside an open batch") }
                openBatch = (try NACHABatchHeader(reader: reader), [])
            case "6":
                guard openBatch != nil else { throw .structure("line \(reader.lineNumber): entry outside a batch") }
                openBatch!.entries.append(try NACHAEntry(reader: reader))
            case "7":
                guard let last = openBatch?.entries.indices.last else { throw .structure("line \(reader.lineNumber): addenda without an entry") }
                openBatch!.entries[last].addenda.append(try NACHAAddenda(reader: reader))
            case "8":
                guard let open = openBatch else { throw .structure("line \(reader.lineNumber): batch control outside a batch") }
                let batch = NACHABatch(header: open.header, entries: open.entries)
                // Service class, entry/addenda count, entry hash, debit and credit totals; then the batch number.
                try verify(reader, against: batch.controlRecord, fields: [(2, 44), (88, 94)], "batch \(open.header.batchNumber) control")
                batches.append(batch)
                openBatch = nil
            case "9" where fileControl == nil:
                guard openBatch == nil else { throw .structure("line \(reader.lineNumber): file control inside an open batch") }
                fileControl = reader
            case "9" where reader.bytes.allSatisfy { $0 == UInt8(ascii: "9") }:
                continue // blocking filler
            default:
                throw .structure("line \(reader.lineNumber): unexpected record type '\(reader.recordType)'")
            }
        }
        guard let fileControl else { throw .structure("no file control record ('9')") }
        let file = NACHAFile(header: header, batches: batches)
        // Batch count, block count, entry/addenda count, entry hash, debit and credit totals.
        try verify(fileControl, against: file.controlRecord, fields: [(2, 55)], "file control")
        return file
    }

    /// Compares the given 1-based, inclusive positions of a control record with the recomputed one.
    private static func verify(_ reader: NACHARecordReader, against expected: String, fields: [(Int, Int)], _ what: String) throws(NACHAError) {
        let recomputed = try NACHARecordReader(Substring(expected), lineNumber: reader.lineNumber)
        for (from, through) in fields where reader.text(from, through) != recomputed.text(from, through) {
            throw .controlMismatch(
                "\(what) on line \(reader.lineNumber), positions \(from)-\(through): '\(reader.text(from, through))', recomputed '\(recomputed.text(from, through))'"
            )
        }
    }
}
