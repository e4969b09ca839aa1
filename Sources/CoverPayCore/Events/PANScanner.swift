/// Finds raw card numbers in text, so that an event carrying one is refused and never stored or
/// logged with the digits visible. A card number is 13–19 digits passing the Luhn check, written
/// either contiguously or in the groups cards are printed in (4-4-4-4[-3], 4-6-5, 4-6-4) separated by
/// single spaces or dashes. Other digit groupings (UUIDs, dates, phone numbers) are not card numbers,
/// nor is a longer run of digits (a reference number) that merely contains 13–19 of them, nor one that
/// touches a letter: it is part of a word or identifier (a UUID such as `688e1234-5678-9018-005e-…`,
/// whose digits between its letters happen to be grouped 4-4-4-3 and to pass Luhn).
public enum PANScanner {
    public static func containsPAN(_ text: String) -> Bool {
        !cardNumbers(in: Array(text.utf8)).isEmpty
    }

    /// The digits of every card number in `text`, in order (for the leak scan, which must tell them apart).
    public static func cardNumbers(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        return cardNumbers(in: bytes).map { run in String(decoding: run.digits.map { bytes[$0] }, as: UTF8.self) }
    }

    /// `text` with every digit of every card number replaced by `*` except the last four.
    public static func masked(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for number in cardNumbers(in: bytes) {
            for index in number.digits.dropLast(4) { bytes[index] = UInt8(ascii: "*") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A run of digit groups joined by single separators, by byte positions.
    struct DigitRun {
        var digits: [Int] = []
        var groupLengths: [Int] = []
        /// A letter right before the first digit or right after the last one.
        var touchesLetter = false
    }

    static func cardNumbers(in bytes: [UInt8]) -> [DigitRun] {
        runs(in: bytes).filter { run in
            !run.touchesLetter && (13...19).contains(run.digits.count) && hasCardLayout(run.groupLengths)
                && passesLuhn(run.digits.map { Int(bytes[$0] - 48) })
        }
    }

    /// Maximal digit runs; a single space or dash between two digits continues the run as a new group.
    /// A run touching letters (`ab1234…`) is still a run, marked as part of a word.
    static func runs(in bytes: [UInt8]) -> [DigitRun] {
        var runs: [DigitRun] = []
        var current = DigitRun()
        var groupLength = 0
        func closeGroup() {
            if groupLength > 0 { current.groupLengths.append(groupLength) }
            groupLength = 0
        }
        func closeRun(before byte: UInt8?) {
            if let byte, isLetter(byte), !current.digits.isEmpty { current.touchesLetter = true }
            closeGroup()
            if !current.digits.isEmpty { runs.append(current) }
            current = DigitRun()
        }
        for (index, byte) in bytes.enumerated() {
            if isDigit(byte) {
                if current.digits.isEmpty, index > 0, isLetter(bytes[index - 1]) { current.touchesLetter = true }
                current.digits.append(index)
                groupLength += 1
            } else if isSeparator(byte), groupLength > 0, index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                closeGroup()
            } else {
                closeRun(before: byte)
            }
        }
        closeRun(before: nil)
        return runs
    }

    /// Contiguous, or the groupings printed on cards.
    static func hasCardLayout(_ groups: [Int]) -> Bool {
        if groups.count == 1 { return true }
        if groups == [4, 6, 5] || groups == [4, 6, 4] { return true }
        return groups.dropLast().allSatisfy { $0 == 4 } && (1...4).contains(groups.last ?? 0)
    }

    static func passesLuhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    private static func isLetter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    private static func isSeparator(_ byte: UInt8) -> Bool { byte == 32 || byte == 45 }
}
