/// One QuickBooks Online JournalEntry to create and the ledger entries it carries.
public struct GLDocument: Sendable, Equatable {
    public let entryIDs: [Int64]
    public let txnDate: CalendarDate
    public let docNumber: String
    /// The JournalEntry body (DocNumber, TxnDate, PrivateNote and the Debit / Credit lines), or nil
    /// for a daily summary whose lines net to nothing: its entries are recorded as synced, not sent.
    public let journalEntry: JSONValue?
}

/// What a sync pass can send: documents in ledger order, up to the first entry (or day) that an
/// account mapping is missing for, and that error.
public struct GLComposition: Sendable, Equatable {
    public let documents: [GLDocument]
    public let stoppedBy: GLMappingError?
}
