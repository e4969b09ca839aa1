import PropertyBased
import Testing
@testable import CoverPayCore

/// BAI2 statements, processor settlement CSVs and NACHA return files: what the writers produce
/// parses back to the same records and totals; every malformed case is refused with its line.
@Suite struct ReconciliationFileTests {
    static let day = try! CalendarDate(iso: "2099-02-02")

    static func statement(_ transactions: [BAI2Transaction], summaries: [BAI2Summary] = []) -> BAI2File {
        BAI2File(sender: "011000015", receiver: "COVERPAY", createdOn: day, createdAt: "0600", fileID: "1", groups: [
            BAI2Group(ultimateReceiver: "COVERPAY", originator: "011000015", asOfDate: day, accounts: [
                BAI2Account(accountNumber: "9876543210", summaries: summaries, transactions: transactions),
            ]),
        ])
    }

    static let deposits = [
        BAI2Transaction(typeCode: "165", amount: Money(cents: 10_000), bankReference: "B1", customerReference: "011000010000001", text: "ACH PN-1"),
        BAI2Transaction(typeCode: "165", amount: Money(cents: 12_345), bankReference: "B2", customerReference: "011000010000002", text: "ACH, PN-2"),
    ]

    @Test func anyStatementTheWriterProducesParsesBackToTheSameRecordsAndTotals() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = SplitMix64(state: seed)
            let groups = (0..<Int.random(in: 0...3, using: &random)).map { g in
                BAI2Group(
                    ultimateReceiver: "R\(g)", originator: "O\(g)", status: Int.random(in: 1...4, using: &random),
                    // BAI2 years are two digits: 2000-2099.
                    asOfDate: try! CalendarDate(iso: "2000-01-01").adding(days: Int.random(in: 0...36_000, using: &random)),
                    accounts: (0..<Int.random(in: 0...3, using: &random)).map { a in
                        BAI2Account(
                            accountNumber: "ACCT\(a)",
                            summaries: (0..<Int.random(in: 0...2, using: &random)).map { _ in
                                BAI2Summary(
                                    typeCode: ["010", "015", "100", "400"].randomElement(using: &random)!,
                                    amount: Bool.random(using: &random) ? Money(cents: Int64.random(in: -9_999_999...9_999_999, using: &random)) : nil,
                                    itemCount: Bool.random(using: &random) ? Int.random(in: 0...99, using: &random) : nil
                                )
                            },
                            transactions: (0..<Int.random(in: 0...5, using: &random)).map { t in
                                BAI2Transaction(
                                    typeCode: ["165", "142", "555", "451"].randomElement(using: &random)!,
                                    amount: Money(cents: Int64.random(in: 0...99_999_999, using: &random)), bankReference: "BR\(t)",
                                    customerReference: String(UInt64.random(in: 0...999_999_999_999_999, using: &random)),
                                    text: ["", "PREMIUM", "a, b and c", "PN-\(t)"].randomElement(using: &random)!
                                )
                            }
                        )
                    }
                )
            }
            let file = BAI2File(sender: "S", receiver: "R", createdOn: Self.day, fileID: "\(seed % 1000)", groups: groups)
            let parsed = try? BAI2File.parse(file.render(), fileName: "p.bai2")
            #expect(parsed == file, "seed \(seed)")
            #expect(parsed?.controlTotal == file.controlTotal)
            #expect(parsed?.transactions.count == file.transactions.count)
        }
    }

    /// An 88 after a line ended by "/" starts a new field; after an unterminated 16 it continues the text.
    @Test func continuationRecordsJoinFieldsAndTextAndCountAsRecords() throws {
        let text = """
            01,BANK,COVERPAY,990202,0600,7,80,,2/
            02,COVERPAY,BANK,1,990202,,USD,2/
            03,9876543210,USD/
            88,100,22345,2,Z/
            16,165,10000,Z,B1,011000010000001,ACH SETTLE
            88,MENT PN-1
            16,165,12345,S,0,12345,0,B2,011000010000002,
            49,44690,6/
            98,44690,1,8/
            99,44690,1,10/

            """
        let file = try BAI2File.parse(text, fileName: "c.bai2")
        #expect(file.transactions.map(\.text) == ["ACH SETTLEMENT PN-1", ""])
        #expect(file.transactions.map(\.customerReference) == ["011000010000001", "011000010000002"])
        #expect(file.groups[0].accounts[0].summaries == [BAI2Summary(typeCode: "100", amount: Money(cents: 22_345), itemCount: 2)])
        #expect(file.controlTotal == Money(cents: 44_690))
    }

    /// Each malformed statement, the line the error names and a word of its reason.
    @Test(arguments: [
        ("wrong record length", { @Sendable (lines: inout [String]) in lines[0] = "01,BANK,COVERPAY,990202,0600,1,40,,2/"; lines[3] += String(repeating: " ", count: 30) }, 4, "longer than the physical record length"),
        ("bad account control total", { @Sendable (lines: inout [String]) in lines[5] = "49,22346,4/" }, 6, "control total"),
        ("bad account record count", { @Sendable (lines: inout [String]) in lines[5] = "49,22345,5/" }, 6, "number of records"),
        ("bad group control total", { @Sendable (lines: inout [String]) in lines[6] = "98,1,1,6/" }, 7, "control total"),
        ("bad file record count", { @Sendable (lines: inout [String]) in lines[7] = "99,22345,1,9/" }, 8, "number of records"),
        ("bad number of groups", { @Sendable (lines: inout [String]) in lines[7] = "99,22345,2,8/" }, 8, "number of groups"),
        ("truncated", { @Sendable (lines: inout [String]) in lines.removeLast(2) }, 7, "truncated"),
        ("unknown record type", { @Sendable (lines: inout [String]) in lines[3] = "17,165,10000,Z,B1,X,/" }, 4, "unknown record type '17'"),
        ("record out of order", { @Sendable (lines: inout [String]) in lines.swapAt(1, 2) }, 2, "unexpected record type '03'"),
        ("amount not a number", { @Sendable (lines: inout [String]) in lines[3] = "16,165,100.00,Z,B1,X,/" }, 4, "not a whole number of cents"),
        ("unterminated record", { @Sendable (lines: inout [String]) in lines[5] = "49,22345,4" }, 6, "not terminated"),
        ("record after the trailer", { @Sendable (lines: inout [String]) in lines.append("99,0,0,1/") }, 9, "after the file trailer"),
    ] as [(String, @Sendable (inout [String]) -> Void, Int, String)])
    func malformedStatementsAreRefusedWithTheirLine(_ name: String, damage: @Sendable (inout [String]) -> Void, line: Int, reason: String) throws {
        var lines = Self.statement(Self.deposits).render().split(separator: "\n").map(String.init)
        #expect((try? BAI2File.parse(lines.joined(separator: "\n"), fileName: "ok.bai2")) != nil)
        damage(&lines)
        #expect {
            try BAI2File.parse(lines.joined(separator: "\n") + "\n", fileName: "bad.bai2")
        } throws: { error in
            guard let error = error as? BankFileError else { return false }
            return error.file == "bad.bai2" && error.line == line && error.reason.contains(reason)
        }
    }

    // MARK: settlement CSV

    @Test func anySettlementFileTheWriterProducesParsesBack() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var random = SplitMix64(state: seed)
            let lines = (0..<Int.random(in: 0...20, using: &random)).map { index in
                let kind = ProcessorSettlementLine.Kind.allCases.randomElement(using: &random)!
                let cents = Int64.random(in: 1...99_999_999, using: &random)
                return ProcessorSettlementLine(
                    processorReference: "ref_\(index)", kind: kind, amount: Money(cents: kind == .charge ? cents : -cents),
                    fee: Money(cents: Int64.random(in: 0...5_000, using: &random)), settledOn: Self.day.adding(days: index)
                )
            }
            let parsed = try? ProcessorSettlementFile.parse(ProcessorSettlementFile.render(lines), fileName: "s.csv")
            #expect(parsed == lines, "seed \(seed)")
            #expect(parsed?.reduce(Money.zero) { $0 + $1.net } == lines.reduce(Money.zero) { $0 + $1.amount - $1.fee })
        }
    }

    @Test(arguments: [
        ("wrong header", "reference,type,amount,fee,net,settled_date\n", 1, "header"),
        ("missing column", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,charge,10.00,0.59,9.41\n", 2, "fields"),
        ("bad net", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,charge,10.00,0.59,9.42,2099-02-02\n", 2, "amount - fee"),
        ("unknown type", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,payout,10.00,0.59,9.41,2099-02-02\n", 2, "type 'payout'"),
        ("chargeback with a positive amount", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,chargeback,10.00,0.00,10.00,2099-02-02\n", 2, "wrong sign"),
        ("amount in cents", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,charge,1000,0.59,999.41,2099-02-02\n", 2, "two-decimal"),
        ("bad date", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,charge,10.00,0.59,9.41,02/02/2099\n", 2, "settled_date"),
        ("duplicate line", "\(ProcessorSettlementFile.columns.joined(separator: ","))\nch_1,charge,10.00,0.59,9.41,2099-02-02\nch_1,charge,10.00,0.59,9.41,2099-02-02\n", 3, "twice"),
    ] as [(String, String, Int, String)])
    func malformedSettlementFilesAreRefusedWithTheirLine(_ name: String, text: String, line: Int, reason: String) {
        #expect {
            try ProcessorSettlementFile.parse(text, fileName: "bad.csv")
        } throws: { error in
            guard let error = error as? BankFileError else { return false }
            return error.file == "bad.csv" && error.line == line && error.reason.contains(reason)
        }
    }

    @Test func truncatedSettlementFileIsRefused() {
        let text = ProcessorSettlementFile.render([
            ProcessorSettlementLine(processorReference: "ch_1", kind: .charge, amount: Money(cents: 1_000), fee: Money(cents: 59), settledOn: Self.day),
        ])
        #expect(throws: BankFileError(file: "t.csv", line: nil, "truncated: the last line does not end with a newline")) {
            try ProcessorSettlementFile.parse(String(text.dropLast(4)), fileName: "t.csv")
        }
    }

    // MARK: NACHA return files

    static func originalFile() throws -> NACHAFile {
        let originator = NACHAOriginator(
            odfiRoutingNumber: ABARoutingNumber("011000015")!, odfiName: "SANDBOX ODFI", companyIdentification: "1234567890", companyName: "COVERPAY"
        )
        let debits = [("000123450101", 10_000, 1), ("000123450207", 20_000, 2)].map { account, cents, sequence in
            NACHADebit(
                account: ACHPaymentMethod(routingNumber: ABARoutingNumber("021000021")!, accountNumber: account, accountType: .checking, holder: .consumer, authorization: nil),
                secCode: .ppd, amount: Money(cents: Int64(cents)), effectiveDate: day, individualIdentification: "PN-\(sequence)",
                individualName: "HOLDER \(sequence)", traceSequence: sequence
            )
        }
        return try NACHAFile.debits(debits, originator: originator, createdOn: day, at: "0900")
    }

    @Test func aReturnFileTheSandboxWritesParsesBackToItsReturns() throws {
        let original = try Self.originalFile()
        let batch = original.batches[0]
        let text = try NACHAReturnFile.render(
            batch.entries.map { NACHAReturnedDebit(original: $0, originalBatch: batch.header, returnCode: ACHReturnCode("R0\($0.amountCents == 10_000 ? 1 : 7)")!) },
            originalFile: original.header, rdfiIdentification: "02100002", createdOn: Self.day.adding(days: 1)
        )
        let parsed = try NACHABankFile.parse(text, fileName: "r.ach")
        #expect(parsed.returns.map(\.originalTraceNumber) == batch.entries.map(\.traceNumber))
        #expect(parsed.returns.map(\.returnCode.rawValue) == ["R01", "R07"])
        #expect(parsed.returns.map(\.amount) == [Money(cents: 10_000), Money(cents: 20_000)])
        #expect(parsed.returns.allSatisfy { $0.transactionCode == 26 && $0.dateOfDeath == nil } && parsed.notificationsOfChange.isEmpty)
    }

    @Test func notificationsOfChangeAreRead() throws {
        let original = try Self.originalFile()
        let entry = original.batches[0].entries[0]
        let trace = "021000020000001"
        // Addenda 98: C01 (account number), original trace, original RDFI, corrected data.
        let addenda = "798C01" + entry.traceNumber + "      " + "02100002" + "123456789".padding(toLength: 29, withPad: " ", startingAt: 0)
            + String(repeating: " ", count: 15) + trace
        let cor = try NACHAEntry(
            transactionCode: 26, receivingRoutingNumber: entry.receivingRoutingNumber, accountNumber: entry.accountNumber, amountCents: 0,
            individualIdentification: entry.individualIdentification, individualName: entry.individualName, traceNumber: trace,
            addenda: [.other(record: addenda)]
        )
        var header = original.batches[0].header
        header.secCode = .cor
        let text = NACHAFile(header: original.header, batches: [NACHABatch(header: header, entries: [cor])]).render()
        let parsed = try NACHABankFile.parse(text, fileName: "noc.ach")
        #expect(parsed.returns.isEmpty)
        #expect(parsed.notificationsOfChange == [NACHANotificationOfChange(
            originalTraceNumber: entry.traceNumber, changeCode: "C01", correctedData: "123456789", originalReceivingDFI: "02100002"
        )])
    }

    @Test func aDamagedReturnFileNamesTheFileAndLine() throws {
        var lines = try Self.originalFile().render().split(separator: "\n").map(String.init)
        lines[2] = String(lines[2].dropLast())
        #expect {
            try NACHABankFile.parse(lines.joined(separator: "\n"), fileName: "short.ach")
        } throws: { error in
            (error as? BankFileError).map { $0.file == "short.ach" && $0.line == 3 && $0.reason.contains("93 characters") } ?? false
        }
    }
}

/// NACHA trace numbers are 15 digits and about one in ten passes the Luhn check: the event
/// validator must not take them for card numbers where the contract says they are trace numbers.
@Suite struct TraceNumberIsNotACardNumberTests {
    static let luhnValidTrace = "011000010000005"

    @Test func theTraceIsLuhnValidAndWouldBeACardNumberElsewhere() {
        #expect(PANScanner.containsPAN(Self.luhnValidTrace))
        #expect(EventValidator.cardNumberPath(in: .object(["note": .string(Self.luhnValidTrace)]), at: "$") == "$.note")
        #expect(EventValidator.cardNumberPath(in: .object(["rail": .string("card"), "reference": .string(Self.luhnValidTrace)]), at: "$") == "$.reference")
    }

    @Test func aTraceNumberOrAnACHReferenceIsExempt() {
        #expect(EventValidator.cardNumberPath(in: .object(["trace_number": .string(Self.luhnValidTrace)]), at: "$") == nil)
        #expect(EventValidator.cardNumberPath(in: .object(["rail": .string("ach"), "reference": .string(Self.luhnValidTrace)]), at: "$") == nil)
    }

    /// The exemption covers trace numbers only: a card number in those fields (found by the fuzzer
    /// in a dead letter) is refused like anywhere else, 15-digit American Express numbers included.
    @Test(arguments: ["4111111111111111", "4111 1111 1111 1111", "378282246310005", "3782-822463-10005", "6011111111111117"])
    func aCardNumberInATraceFieldIsStillACardNumber(number: String) {
        #expect(EventValidator.cardNumberPath(in: .object(["trace_number": .string(number)]), at: "$") == "$.trace_number")
        #expect(EventValidator.cardNumberPath(in: .object(["rail": .string("ach"), "reference": .string(number)]), at: "$") == "$.reference")
    }

    /// Every trace number the collector can cut is well formed: any routing prefix a bank has,
    /// any 7-digit sequence.
    @Test func everyCollectorTraceIsWellFormed() {
        for prefix in Array(0...12) + Array(21...32) + Array(61...72) + [80] {
            for sequence in [1, 4242, 9_999_999] {
                let trace = String(format: "%02d", prefix) + "100001" + String(format: "%07d", sequence)
                #expect(NACHATraceNumber.isWellFormed(trace), "\(trace)")
            }
        }
        #expect(!NACHATraceNumber.isWellFormed("01100001000000"))
        #expect(!NACHATraceNumber.isWellFormed("0110000100000a5"))
    }
}
