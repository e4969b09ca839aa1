/// A batch: its header, its entries in ascending trace-number order, and the control record
/// ("8") computed from them.
public struct NACHABatch: Sendable, Hashable {
    public var header: NACHABatchHeader
    public var entries: [NACHAEntry]

    public init(header: NACHABatchHeader, entries: [NACHAEntry]) {
        self.header = header
        self.entries = entries
    }

    /// Entry detail plus addenda records.
    public var entryAndAddendaCount: Int { entries.reduce(0) { $0 + 1 + $1.addenda.count } }

    /// Sum of the receiving DFIs' eight-digit identifications; the file keeps its last 10 digits.
    public var entryHash: Int64 { entries.reduce(0) { $0 + $1.hashContribution } % 10_000_000_000 }

    public var totalDebitCents: Int64 { entries.filter(\.isDebit).reduce(0) { $0 + $1.amountCents } }
    public var totalCreditCents: Int64 { entries.filter { !$0.isDebit }.reduce(0) { $0 + $1.amountCents } }

    var controlRecord: String {
        "8" + NACHAField.numeric(Int64(header.serviceClassCode), 3) + NACHAField.numeric(Int64(entryAndAddendaCount), 6)
            + NACHAField.numeric(entryHash, 10) + NACHAField.numeric(totalDebitCents, 12) + NACHAField.numeric(totalCreditCents, 12)
            + NACHAField.alphanumeric(header.companyIdentification, 10)
            + String(repeating: " ", count: 19) // message authentication code
            + String(repeating: " ", count: 6) // reserved
            + header.odfiIdentification + NACHAField.numeric(Int64(header.batchNumber), 7)
    }

    var records: [String] { [header.record] + entries.flatMap(\.records) + [controlRecord] }
}
