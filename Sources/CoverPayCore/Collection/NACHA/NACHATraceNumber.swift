/// The shape of a NACHA trace number: 15 digits, the ODFI's 8-digit routing identification then a
/// 7-digit sequence. The identification starts with a Federal Reserve routing prefix (00–12,
/// 21–32, 61–72, 80), which no card brand's numbers of that length start with (American Express,
/// the 15-digit cards, begin 34 or 37), so a card number is never taken for a trace number.
public enum NACHATraceNumber {
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 15, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        let prefix = Int(bytes[0] - UInt8(ascii: "0")) * 10 + Int(bytes[1] - UInt8(ascii: "0"))
        return (0...12).contains(prefix) || (21...32).contains(prefix) || (61...72).contains(prefix) || prefix == 80
    }
}
