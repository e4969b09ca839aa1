/// Turns ledger entries into QuickBooks Online JournalEntry documents (Intuit's JournalEntry
/// object: `Line[]` of `JournalEntryLineDetail` with `PostingType` Debit / Credit and an
/// `AccountRef`; `Amount` positive; the entry balances). Pure: the sync job feeds it the pending
/// entries in ledger order and stores what it returns before sending it.
public enum GLComposer {
    public static func compose(_ entries: [LedgerEntry], mode: GLSyncMode, mapping: GLAccountMapping, limit: Int) -> GLComposition {
        var documents: [GLDocument] = []
        let groups: [[LedgerEntry]] = switch mode {
        case .detailed: entries.map { [$0] }
        case .dailySummary: Dictionary(grouping: entries, by: \.postedOn).sorted { $0.key < $1.key }.map(\.value)
        }
        for group in groups.prefix(limit) {
            do throws(GLMappingError) {
                documents.append(try document(for: group, mode: mode, mapping: mapping))
            } catch {
                return GLComposition(documents: documents, stoppedBy: error)
            }
        }
        return GLComposition(documents: documents, stoppedBy: nil)
    }

    static func document(for group: [LedgerEntry], mode: GLSyncMode, mapping: GLAccountMapping) throws(GLMappingError) -> GLDocument {
        let first = group[0]
        let entryIDs = group.map(\.entryID)
        switch mode {
        case .detailed:
            var lines: [JSONValue] = []
            for line in first.lines {
                lines.append(journalLine(amount: line.signedAmount, description: first.memo, account: try mapping.target(for: line)))
            }
            return GLDocument(
                entryIDs: entryIDs, txnDate: first.postedOn, docNumber: first.documentNumber,
                journalEntry: journalEntry(date: first.postedOn, docNumber: first.documentNumber, note: first.memo, lines: lines)
            )
        case .dailySummary:
            // Netted per ledger account, in account order.
            var net: [String: (line: LedgerLine, amount: Money)] = [:]
            for line in group.flatMap(\.lines) {
                net[line.accountCode, default: (line, .zero)].amount += line.signedAmount
            }
            var lines: [JSONValue] = []
            for (code, total) in net.sorted(by: { $0.key < $1.key }) where !total.amount.isZero {
                let account = try mapping.target(for: total.line)
                lines.append(journalLine(amount: total.amount, description: "\(code) \(total.line.accountName), net of the day", account: account))
            }
            let docNumber = "CPD\(first.postedOn.description.filter(\.isNumber))-\(first.entryID)"
            let note = "CoverPay daily summary \(first.postedOn): \(group.count) journal entries (\(entryIDs.map(String.init).joined(separator: ", ")))"
            return GLDocument(
                entryIDs: entryIDs, txnDate: first.postedOn, docNumber: docNumber,
                journalEntry: lines.isEmpty ? nil : journalEntry(date: first.postedOn, docNumber: docNumber, note: note, lines: lines)
            )
        }
    }

    /// QuickBooks caps DocNumber at 21 characters and PrivateNote / Description at 4,000.
    static func journalEntry(date: CalendarDate, docNumber: String, note: String, lines: [JSONValue]) -> JSONValue {
        .object([
            "TxnDate": .string(date.description), "DocNumber": .string(String(docNumber.prefix(21))),
            "PrivateNote": .string(String(note.prefix(4000))), "Line": .array(lines),
        ])
    }

    /// `amount` signed: positive is a Debit line, negative a Credit line of its magnitude.
    static func journalLine(amount: Money, description: String, account: GLAccountMapping.Target) -> JSONValue {
        var reference: [String: JSONValue] = ["value": .string(account.id)]
        if let name = account.name { reference["name"] = .string(name) }
        return .object([
            "Description": .string(String(description.prefix(4000))),
            "Amount": .number(Money(cents: abs(amount.cents)).description),
            "DetailType": .string("JournalEntryLineDetail"),
            "JournalEntryLineDetail": .object([
                "PostingType": .string(amount.isNegative ? "Credit" : "Debit"), "AccountRef": .object(reference),
            ]),
        ])
    }
}
