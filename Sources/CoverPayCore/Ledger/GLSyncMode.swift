/// How journal entries become QuickBooks Online JournalEntries (`COVERPAY_QBO_MODE`): one per
/// ledger entry (`detailed`, the default), or one per business day netted per account
/// (`daily_summary`, sent once the day is over).
public enum GLSyncMode: String, Sendable, CaseIterable {
    case detailed
    case dailySummary = "daily_summary"
}
