import Testing
@testable import CoverPayCore

@Suite("Collection: NACHA files")
struct CollectionNACHATests {
    static let originator = NACHAOriginator(
        odfiRoutingNumber: ABARoutingNumber("091000019")!, odfiName: "First Sandbox Bank",
        companyIdentification: "1234567890", companyName: "CoverPay Ins"
    )

    static func account(_ routing: String, _ number: String, _ type: ACHAccountType = .checking, holder: AccountHolder = .consumer) -> ACHPaymentMethod {
        ACHPaymentMethod(routingNumber: ABARoutingNumber(routing)!, accountNumber: number, accountType: type, holder: holder, authorization: nil)
    }

    /// Four debits on one effective date: two PPD premiums, a PPD reinitiation and a WEB premium,
    /// given out of trace order on purpose.
    static func fixtureFile() throws -> NACHAFile {
        let effective = CollectionFixtures.date("2026-03-02")
        let debits = [
            NACHADebit(account: account("121000248", "987654321"), secCode: .web, amount: CollectionFixtures.money("89.99"),
                       effectiveDate: effective, individualIdentification: "POL-1003", individualName: "Ana Lima", traceSequence: 3),
            NACHADebit(account: account("011000015", "0000123401", .savings), secCode: .ppd, amount: CollectionFixtures.money("300.00"),
                       effectiveDate: effective, individualIdentification: "POL-1002", individualName: "John Roe", traceSequence: 2),
            NACHADebit(account: account("026009593", "5550001"), secCode: .ppd, amount: CollectionFixtures.money("50.00"),
                       effectiveDate: effective, individualIdentification: "POL-1004", individualName: "Sam Poe", isReinitiation: true,
                       traceSequence: 4),
            NACHADebit(account: account("021000021", "123456789"), secCode: .ppd, amount: CollectionFixtures.money("125.50"),
                       effectiveDate: effective, individualIdentification: "POL-1001", individualName: "Jane Doe", traceSequence: 1),
        ]
        return try NACHAFile.debits(debits, originator: originator, createdOn: CollectionFixtures.date("2026-02-27"), at: "1405")
    }

    /// Written field by field from the NACHA record layouts, independently of the writer.
    static let expectedRecords = [
        "101 09100001912345678902602271405A094101FIRST SANDBOX BANK     COVERPAY INS                   ",
        "5225COVERPAY INS                        1234567890PPDPREMIUM         260302   1091000010000001",
        "627021000021123456789        0000012550POL-1001       JANE DOE                0091000010000001",
        "6370110000150000123401       0000030000POL-1002       JOHN ROE                0091000010000002",
        "822500000200032000030000000425500000000000001234567890                         091000010000001",
        "5225COVERPAY INS                        1234567890PPDRETRY PYMT      260302   1091000010000002",
        "6270260095935550001          0000005000POL-1004       SAM POE                 0091000010000004",
        "822500000100026009590000000050000000000000001234567890                         091000010000002",
        "5225COVERPAY INS                        1234567890WEBPREMIUM         260302   1091000010000003",
        "627121000248987654321        0000008999POL-1003       ANA LIMA              R 0091000010000003",
        "822500000100121000240000000089990000000000001234567890                         091000010000003",
        "9000003000002000000040017900986000000056549000000000000                                       ",
    ] + Array(repeating: String(repeating: "9", count: 94), count: 8)

    static func field(_ record: String, _ from: Int, _ through: Int) -> String {
        String(Array(record)[(from - 1)..<through])
    }

    @Test func matchesTheHandBuiltFixture() throws {
        let file = try Self.fixtureFile()
        #expect(file.render() == Self.expectedRecords.joined(separator: "\n") + "\n")
        for (index, (actual, expected)) in zip(file.records, Self.expectedRecords).enumerated() {
            #expect(actual == expected, "record \(index + 1)")
        }
    }

    @Test func everyRecordIs94CharactersInBlocksOfTen() throws {
        let text = try Self.fixtureFile().render()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(text.hasSuffix("\n"))
        #expect(lines.count % 10 == 0)
        #expect(lines.allSatisfy { $0.utf8.count == 94 })
    }

    @Test func fieldPositions() throws {
        let records = try Self.fixtureFile().records
        let header = records[0]
        #expect(Self.field(header, 1, 1) == "1")
        #expect(Self.field(header, 4, 13) == " 091000019")
        #expect(Self.field(header, 14, 23) == "1234567890")
        #expect(Self.field(header, 24, 29) == "260227")
        #expect(Self.field(header, 30, 33) == "1405")
        #expect(Self.field(header, 35, 37) == "094")
        #expect(Self.field(header, 38, 39) == "10")

        let batch = records[1]
        #expect(Self.field(batch, 2, 4) == "225")
        #expect(Self.field(batch, 51, 53) == "PPD")
        #expect(Self.field(batch, 54, 63) == "PREMIUM   ")
        #expect(Self.field(batch, 70, 75) == "260302")
        #expect(Self.field(batch, 80, 87) == "09100001")
        #expect(Self.field(batch, 88, 94) == "0000001")
        #expect(Self.field(records[5], 54, 63) == "RETRY PYMT")

        let entry = records[2]
        #expect(Self.field(entry, 2, 3) == "27")
        #expect(Self.field(entry, 4, 11) == "02100002")
        #expect(Self.field(entry, 12, 12) == "1")
        #expect(Self.field(entry, 13, 29) == "123456789        ")
        #expect(Self.field(entry, 30, 39) == "0000012550")
        #expect(Self.field(entry, 80, 94) == "091000010000001")
        #expect(Self.field(records[3], 2, 3) == "37")
        #expect(Self.field(records[9], 77, 78) == "R ")

        let batchControl = records[4]
        #expect(Self.field(batchControl, 5, 10) == "000002")
        #expect(Self.field(batchControl, 11, 20) == "0003200003")
        #expect(Self.field(batchControl, 21, 32) == "000000042550")

        let fileControl = records[11]
        #expect(Self.field(fileControl, 2, 7) == "000003")
        #expect(Self.field(fileControl, 8, 13) == "000002")
        #expect(Self.field(fileControl, 14, 21) == "00000004")
        #expect(Self.field(fileControl, 22, 31) == "0017900986")
        #expect(Self.field(fileControl, 32, 43) == "000000056549")
    }

    @Test func entryHashKeepsTheLastTenDigits() throws {
        // Twelve entries to a routing number whose first eight digits are 99999999 sum past ten digits.
        let debits = (1...12).map { sequence in
            NACHADebit(account: Self.account("999999992", "12345"), secCode: .ppd, amount: Money(cents: 100),
                       effectiveDate: CollectionFixtures.date("2026-03-02"), individualIdentification: "P", individualName: "N",
                       traceSequence: sequence)
        }
        #expect(ABARoutingNumber.isValid("999999992"))
        let file = try NACHAFile.debits(debits, originator: Self.originator, createdOn: CollectionFixtures.date("2026-03-01"), at: "0000")
        #expect(file.entryHash == (99_999_999 * 12) % 10_000_000_000)
        #expect(Self.field(file.records.first { $0.hasPrefix("9") && !$0.hasPrefix("99") }!, 22, 31) == "1199999988")
        #expect(file.records.count == 20)
    }

    @Test func batchesSplitBySECCodeAndEffectiveDate() throws {
        let debit = { (sec: SECCode, date: String, sequence: Int) in
            NACHADebit(account: Self.account("021000021", "1234"), secCode: sec, amount: Money(cents: 1),
                       effectiveDate: CollectionFixtures.date(date), individualIdentification: "P", individualName: "N", traceSequence: sequence)
        }
        let file = try NACHAFile.debits(
            [debit(.tel, "2026-03-03", 1), debit(.ppd, "2026-03-03", 2), debit(.tel, "2026-03-02", 3), debit(.ppd, "2026-03-03", 4)],
            originator: Self.originator, createdOn: CollectionFixtures.date("2026-03-01"), at: "2359"
        )
        let batches = file.batches.map { "\($0.header.effectiveEntryDate) \($0.header.secCode.rawValue) \($0.entries.count)" }
        #expect(batches == ["2026-03-02 TEL 1", "2026-03-03 PPD 2", "2026-03-03 TEL 1"])
        #expect(file.batches.map(\.header.batchNumber) == [1, 2, 3])
    }

    @Test func refusesBadDebits() {
        let good = NACHADebit(account: Self.account("021000021", "1234"), secCode: .ppd, amount: Money(cents: 100),
                              effectiveDate: CollectionFixtures.date("2026-03-02"), individualIdentification: "P", individualName: "N",
                              traceSequence: 1)
        var zero = good
        zero.amount = .zero
        var longID = good
        longID.individualIdentification = "POLICY-NUMBER-0001"
        var traceTooBig = good
        traceTooBig.traceSequence = 10_000_000
        for debits in [[good, good], [zero], [longID], [traceTooBig]] {
            #expect(throws: NACHAError.self) {
                try NACHAFile.debits(debits, originator: Self.originator, createdOn: CollectionFixtures.date("2026-03-01"), at: "1200")
            }
        }
        #expect(throws: NACHAError.self) {
            try NACHAFile.debits([good], originator: Self.originator, createdOn: CollectionFixtures.date("2026-03-01"), at: "2460")
        }
    }

    @Test func parsesItsOwnFiles() throws {
        let file = try Self.fixtureFile()
        // Names come back upper-cased, as written; the records are identical.
        let parsed = try NACHAFile.parse(file.render())
        #expect(parsed.render() == file.render())
        #expect(parsed.entries.map(\.traceNumber) == file.entries.map(\.traceNumber))
        #expect(parsed.entries.map(\.amountCents) == [12550, 30000, 5000, 8999])
        #expect(parsed.batches.map(\.header.secCode) == [.ppd, .ppd, .web])
        #expect(try NACHAFile.parse(file.records.joined(separator: "\r\n")).render() == file.render())
    }

    @Test func refusesDamagedFiles() throws {
        var records = try Self.fixtureFile().records
        records[2] = records[2].replacingOccurrences(of: "0000012550", with: "0000012551")
        #expect { try NACHAFile.parse(records.joined(separator: "\n")) } throws: { error in
            guard case NACHAError.controlMismatch(let detail) = error else { return false }
            return detail.contains("batch 1 control")
        }
        var short = try Self.fixtureFile().records
        short[3].removeLast()
        #expect(throws: NACHAError.malformedRecord(line: 4, "is 93 characters, not 94")) { try NACHAFile.parse(short.joined(separator: "\n")) }
        let noControl = try Self.fixtureFile().records.prefix(11)
        #expect(throws: NACHAError.structure("no file control record ('9')")) { try NACHAFile.parse(noControl.joined(separator: "\n")) }
    }

    /// A bank's return file, written field by field: R01 on the first debit, R02 on the second.
    static let returnFile = [
        "101 091000019 0210000212603050600A094101FIRST SANDBOX BANK     FED ACH                        ",
        "5225COVERPAY INS                        1234567890PPDPREMIUM         260302   1021000020000001",
        "626091000019123456789        0000012550POL-1001       JANE DOE                1021000020000001",
        "799R01091000010000001      02100002                                            021000020000001",
        "6360910000190000123401       0000030000POL-1002       JOHN ROE                1021000020000002",
        "799R02091000010000002      02100002ACCOUNT CLOSED                              021000020000002",
        "822500000400182000020000000425500000000000001234567890                         021000020000001",
        "9000001000001000000040018200002000000042550000000000000                                       ",
        "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
        "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    ].joined(separator: "\n") + "\n"

    @Test func parsesReturnFiles() throws {
        let returns = try NACHAReturnFile.parse(Self.returnFile)
        #expect(returns.count == 2)
        #expect(returns.map(\.originalTraceNumber) == ["091000010000001", "091000010000002"])
        #expect(returns.map(\.returnCode.rawValue) == ["R01", "R02"])
        #expect(returns.map(\.amount) == [Money(cents: 12550), Money(cents: 30000)])
        #expect(returns.map(\.returnTraceNumber) == ["021000020000001", "021000020000002"])
        #expect(returns.map(\.transactionCode) == [26, 36])
        #expect(returns.map(\.accountLast4) == ["6789", "3401"])
        #expect(returns[0].effectiveEntryDate == CollectionFixtures.date("2026-03-02"))
    }

    @Test func returnEntriesRoundTrip() throws {
        let file = try NACHAFile.parse(Self.returnFile)
        #expect(file.render() == Self.returnFile)
    }
}
