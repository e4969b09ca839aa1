/// A NACHA file as CoverPay may keep it once read: every entry detail record's DFI account number
/// (positions 13–29) cut to its last four digits, the rest byte for byte. The reconciler archives
/// a bank's return file this way: it needs only the last four (`NACHAReturn.accountLast4`), and
/// account numbers must not be readable at rest (docs/security.md). Not a NACHA file (a line that
/// is not 94 characters): nil.
public enum NACHAAccountMasking {
    public static func masked(_ text: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) }
        let records = lines.filter { !$0.isEmpty }
        guard !records.isEmpty, records.allSatisfy({ $0.count == 94 || ($0.count == 95 && $0.last == 13) }),
              records[0].first == UInt8(ascii: "1") else { return nil }
        for index in lines.indices where lines[index].first == UInt8(ascii: "6") && lines[index].count >= 94 {
            let account = lines[index][12..<29].filter { $0 != UInt8(ascii: " ") }
            let kept = Array(account.suffix(4)) + Array(repeating: UInt8(ascii: " "), count: 17 - min(4, account.count))
            lines[index].replaceSubrange(12..<29, with: kept)
        }
        return lines.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }
}
