/// Finds raw card numbers (13–19 digits passing the Luhn check) in text, so that an event carrying
/// one is refused and never stored or logged with the digits visible.
public enum PANScanner {
    /// True when `text` holds a run of 13–19 digits (spaces or dashes allowed between digit groups)
    /// that passes the Luhn check.
    public static func containsPAN(_ text: String) -> Bool {
        !panRanges(in: Array(text.utf8)).isEmpty
    }

    /// `text` with every digit of every card number replaced by `*` except the last four.
    public static func masked(_ text: String) -> String {
        var bytes = Array(text.utf8)
        for range in panRanges(in: bytes) {
            let digitIndices = range.filter { isDigit(bytes[$0]) }
            for index in digitIndices.dropLast(4) { bytes[index] = UInt8(ascii: "*") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    private static func isSeparator(_ byte: UInt8) -> Bool { byte == 32 || byte == 45 }

    /// Byte ranges of digit runs (with single separators inside) whose digit count and Luhn sum mark a PAN.
    /// Every 13–19-digit window of a longer run is tried, so a PAN glued to other digits is still found.
    private static func panRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            guard isDigit(bytes[index]) else { index += 1; continue }
            var digitPositions: [Int] = []
            var cursor = index
            while cursor < bytes.count {
                if isDigit(bytes[cursor]) {
                    digitPositions.append(cursor)
                    cursor += 1
                } else if isSeparator(bytes[cursor]), cursor + 1 < bytes.count, isDigit(bytes[cursor + 1]) {
                    cursor += 1
                } else {
                    break
                }
            }
            if digitPositions.count >= 13, let window = luhnWindow(digitPositions, bytes) {
                found.append(window)
            }
            index = cursor
        }
        return found
    }

    private static func luhnWindow(_ positions: [Int], _ bytes: [UInt8]) -> Range<Int>? {
        for length in stride(from: min(19, positions.count), through: 13, by: -1) {
            for start in 0...(positions.count - length) {
                let window = positions[start..<(start + length)]
                if passesLuhn(window.map { Int(bytes[$0] - 48) }) {
                    return window.first!..<(window.last! + 1)
                }
            }
        }
        return nil
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
}
