/// A card processor's settlement file: one line per charge, refund or chargeback it settled.
///
/// Columns (header line required, in this order): `processor_reference,type,amount,fee,net,settled_date`.
/// `amount` is signed from the merchant's side: positive for a charge, negative for a refund or a
/// chargeback; `fee` is the processor's fee (never negative); `net = amount - fee` is checked on
/// every line (the file's control total); amounts are two-decimal strings, dates `YYYY-MM-DD`.
public struct ProcessorSettlementLine: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case charge, refund, chargeback
    }

    public var processorReference: String
    public var kind: Kind
    public var amount: Money
    public var fee: Money
    public var settledOn: CalendarDate

    public init(processorReference: String, kind: Kind, amount: Money, fee: Money, settledOn: CalendarDate) {
        self.processorReference = processorReference
        self.kind = kind
        self.amount = amount
        self.fee = fee
        self.settledOn = settledOn
    }

    public var net: Money { amount - fee }
}

public enum ProcessorSettlementFile {
    public static let columns = ["processor_reference", "type", "amount", "fee", "net", "settled_date"]

    public static func render(_ lines: [ProcessorSettlementLine]) -> String {
        ([columns.joined(separator: ",")] + lines.map { line in
            [line.processorReference, line.kind.rawValue, line.amount.description, line.fee.description, line.net.description, line.settledOn.description]
                .joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    public static func parse(_ text: String, fileName: String) throws(BankFileError) -> [ProcessorSettlementLine] {
        guard !text.isEmpty else { throw BankFileError(file: fileName, line: nil, "the file is empty") }
        guard text.hasSuffix("\n") else { throw BankFileError(file: fileName, line: nil, "truncated: the last line does not end with a newline") }
        let rows = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard rows.first.map({ $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }) == columns else {
            throw BankFileError(file: fileName, line: 1, "header is not '\(columns.joined(separator: ","))'")
        }
        var lines: [ProcessorSettlementLine] = []
        var references = Set<String>()
        for (index, row) in rows.enumerated().dropFirst() {
            let number = index + 1
            func fail(_ reason: String) -> BankFileError { BankFileError(file: fileName, line: number, reason) }
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns.count else { throw fail("has \(fields.count) fields, not \(columns.count)") }
            guard !fields[0].isEmpty else { throw fail("processor_reference is empty") }
            guard let kind = ProcessorSettlementLine.Kind(rawValue: fields[1]) else { throw fail("type '\(fields[1])' is not charge, refund or chargeback") }
            func money(_ column: Int) throws(BankFileError) -> Money {
                guard fields[column].contains("."), let value = try? Money(parsing: fields[column]) else {
                    throw fail("\(columns[column]) '\(fields[column])' is not a two-decimal amount")
                }
                return value
            }
            let amount = try money(2), fee = try money(3), net = try money(4)
            guard (kind == .charge) == (amount > .zero), !amount.isZero else { throw fail("a \(kind.rawValue) of \(amount) has the wrong sign") }
            guard !fee.isNegative else { throw fail("fee \(fee) is negative") }
            guard net == amount - fee else { throw fail("net \(net) is not amount - fee (\(amount - fee))") }
            guard let settledOn = try? CalendarDate(iso: fields[5]) else { throw fail("settled_date '\(fields[5])' is not YYYY-MM-DD") }
            guard references.insert("\(kind.rawValue) \(fields[0])").inserted else { throw fail("\(kind.rawValue) \(fields[0]) appears twice") }
            lines.append(ProcessorSettlementLine(processorReference: fields[0], kind: kind, amount: amount, fee: fee, settledOn: settledOn))
        }
        return lines
    }
}
