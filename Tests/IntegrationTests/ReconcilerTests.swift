import CoverPayCore
import Foundation
import Testing

/// The whole payment loop on the business clock: the real scheduler, collector and reconciler,
/// the sandbox bank settling the collector's NACHA files and the sandbox processor's charges.
/// Each test runs in its own random year so that its report window holds only its own money.
@Suite("Reconciler", .serialized)
struct ReconcilerTests {
    init() throws { try LiveServices.isolate() }

    /// Folders, workers and clock for one scenario.
    final class Loop {
        let outbound = CollectorFixture.temporaryOutbound()
        let inbound = LiveServices.scratchFolder("recon/\(UUID().uuidString.prefix(8))")
        var workers: [WorkerProcess] = []

        var reconcilerEnvironment: [String: String] {
            ["COVERPAY_RECON_INBOUND_DIR": inbound.path, "COVERPAY_RECON_GRACE_SECONDS": "1", "COVERPAY_ACH_OUTBOUND_DIR": outbound.path]
        }

        func start(scheduler: Bool = true, collector: Bool = true, reconcilers: Int = 1) async throws {
            if scheduler { workers.append(try WorkerProcess("scheduler")) }
            if collector { workers.append(try WorkerProcess("collector", environment: CollectorFixture.environment(outbound: outbound))) }
            for _ in 0..<reconcilers { workers.append(try WorkerProcess("reconciler", environment: reconcilerEnvironment)) }
            for worker in workers { try await worker.waitUntilReady() }
        }

        func stop() async throws {
            for worker in workers { _ = try await worker.terminate() }
            _ = try? LiveServices.coverpay(["clock", "reset"])
        }

        func clock(_ date: CalendarDate) throws {
            let result = try LiveServices.coverpay(["clock", "set", date.description])
            #expect(result.status == 0, "\(result.stderr)")
        }

        @discardableResult
        func settle(_ date: CalendarDate) throws -> String {
            let result = try LiveServices.coverpay(["sandbox", "bank", "settle", "--date", date.description], environment: reconcilerEnvironment)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }

        /// Waits until the inbound folder has been emptied by the reconciler.
        func imported() async throws {
            try await LiveServices.eventually("the inbound folder imported", timeout: .seconds(40)) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: inbound.path)) ?? []
                return names.allSatisfy { $0 == "imported" || $0 == "rejected" }
            }
        }
    }

    /// A random year's first schedule date in March that is a banking day after a banking day.
    /// A March of its own for each test of the run: reports are by date, so two tests sharing a
    /// date would count each other's payments.
    static func scheduleDate() throws -> CalendarDate {
        let calendar = BankingCalendar.federalReserve
        let start = calendar.nextBankingDay(after: try CalendarDate(year: unusedYears.next(), month: 3, day: 3))
        return calendar.isBankingDay(start.adding(days: -1)) ? start : calendar.nextBankingDay(after: start)
    }

    static func status(_ policy: String) throws -> String? { try CollectorFixture.status(policy: policy) }

    static func isPaid(_ policy: String, entry: Int = 1) throws -> Bool {
        try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND entry_number = $2 AND is_paid", [policy, entry]) == 1
    }

    static func issueACH(_ policy: String, account: String, start: CalendarDate) throws {
        try LiveServices.publish(CollectorFixture.issued(
            policy: policy, paymentMethod: CollectorFixture.bankAccount(account: account), start: start.description,
            end: start.addingMonths(12).description
        ))
    }

    @Test("ACH: deposits mark entries paid and settle; 0101 returns R01 at once; 0207 returns R07 late and un-pays; the report ties to payments list")
    func achLoop() async throws {
        let loop = Loop()
        let start = try Self.scheduleDate()
        let calendar = BankingCalendar.federalReserve
        let sendDay = calendar.previousBankingDay(before: start)
        try loop.clock(sendDay)
        try await loop.start()
        let ok = Events.uniqueID("ach-ok"), first = Events.uniqueID("ach-0101"), late = Events.uniqueID("ach-0207")
        try Self.issueACH(ok, account: "987654321", start: start)
        try Self.issueACH(first, account: "987650101", start: start)
        try Self.issueACH(late, account: "987650207", start: start)
        let policies = [ok, first, late]
        try await LiveServices.eventually("three debits in a written NACHA file and known to the reconciler", timeout: .seconds(60)) {
            try LiveServices.count(
                """
                SELECT count(*) AS n FROM collector.payments p JOIN collector.ach_files f ON f.id = p.ach_file_id
                JOIN reconciler.expected_items x ON x.payment_id = p.payment_id
                WHERE p.policy_id = ANY($1::text[]) AND f.written_at IS NOT NULL
                """,
                ["{\(policies.joined(separator: ","))}"]
            ) == 3
        }
        // Settlement day: the bank's statement shows two deposits, its return file the 0101 debit.
        try loop.clock(start)
        let settled = try loop.settle(start)
        #expect(settled.contains("2 deposits, 1 returns"), "\(settled)")
        try await loop.imported()
        try await LiveServices.eventually("the deposits mark two entries paid; the return fails the third", timeout: .seconds(40)) {
            try Self.isPaid(ok) && Self.isPaid(late) && Self.status(first) == "returned" && Self.status(ok) == "succeeded"
                && Self.status(late) == "succeeded"
        }
        #expect(try !Self.isPaid(first))
        let r01 = try CollectorFixture.events("coverpay.payment.returned", policy: first)
        #expect(r01.count == 1 && r01.first?["failure_code"] == .string("ach_return_R01") && r01.first?["late"] == .bool(false))
        #expect(r01.first?["return_code"] == .string("R01") && r01.first?["retryable"] == .bool(true))
        let deposit = try CollectorFixture.events("coverpay.payment.succeeded", policy: ok)
        #expect(deposit.count == 1 && deposit.first?["rail"] == .string("ach") && deposit.first?["succeeded_on"] == .string(start.description))

        // Settling the same day again sends nothing new; importing a file again changes nothing.
        #expect(try loop.settle(start).contains("0 deposits, 0 returns"))
        let statement = try #require(try FileManager.default.contentsOfDirectory(atPath: loop.inbound.appendingPathComponent("imported").path).first { $0.hasSuffix(".bai2") })
        let before = try LiveServices.count("SELECT count(*) AS n FROM reconciler.items")
        let again = try LiveServices.coverpay(["recon", "import", loop.inbound.appendingPathComponent("imported/\(statement)").path])
        #expect(again.status == 0 && again.stdout.contains("skipped"), "\(again.stdout)\(again.stderr)")
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.items") == before)

        // Two banking days without a return: final.
        let final = calendar.addingBankingDays(2, to: start)
        try loop.clock(final)
        try await LiveServices.eventually("both deposits settled", timeout: .seconds(30)) {
            try Self.status(ok) == "settled" && Self.status(late) == "settled"
        }
        let settledEvent = try CollectorFixture.events("coverpay.payment.settled", policy: ok)
        #expect(settledEvent.count == 1 && settledEvent.first?["settled_on"] == .string(final.description) && settledEvent.first?["net"] == settledEvent.first?["total"])

        // The 0207 debit comes back R07 three banking days after it settled: late, and the entry is owed again.
        let lateDay = calendar.addingBankingDays(3, to: start)
        try loop.clock(lateDay)
        #expect(try loop.settle(lateDay).contains("0 deposits, 1 returns"))
        try await loop.imported()
        try await LiveServices.eventually("the late return un-pays the entry", timeout: .seconds(40)) {
            try Self.status(late) == "returned" && !Self.isPaid(late)
        }
        let r07 = try CollectorFixture.events("coverpay.payment.returned", policy: late)
        #expect(r07.count == 1 && r07.first?["failure_code"] == .string("ach_return_R07") && r07.first?["late"] == .bool(true))
        #expect(try Self.isPaid(ok) && Self.status(ok) == "settled")

        // The report ties to `coverpay payments list` to the cent.
        let listed = try JSONValue.parse(Array(try LiveServices.coverpay(["payments", "list", "--json", "--limit", "10000"]).stdout.utf8)).arrayValue ?? []
        let ours = listed.filter { policies.contains($0["policy_id"]?.stringValue ?? "") }
        func total(_ status: String) throws -> Money {
            try ours.filter { $0["status"]?.stringValue == status }.reduce(Money.zero) { $0 + (try Money(parsing: $1["amount"]!.stringValue!)) }
        }
        let report = try JSONValue.parse(Array(try LiveServices.coverpay(["recon", "report", "--since", start.description, "--date", lateDay.description, "--json"]).stdout.utf8))
        let ach = try #require(report["rails"]?["ach"])
        #expect(try Money(parsing: ach["settled"]!.stringValue!) == total("settled"))
        #expect(try Money(parsing: ach["returned"]!.stringValue!) == total("returned"))
        #expect(try Money(parsing: ach["expected"]!.stringValue!) == total("settled") + total("returned"))
        #expect(try Money(parsing: report["deposited"]!.stringValue!) == total("settled") + (try total("returned")) - Money(parsing: r01.first!["total"]!.stringValue!))
        #expect(report["by_status"]?["MATCHED"] == .number("3") && report["by_status"]?["UNMATCHED"] == .number("0"))
        let dead = try JSONValue.parse(Array(try LiveServices.coverpay(["dlq", "list", "--json"]).stdout.utf8)).arrayValue ?? []
        let loopQueues: Set<String> = ["reconciler.payments", "collector.outcomes", "scheduler.events"]
        let deadInLoop = dead.filter { letter in loopQueues.contains(letter["queue"]?.stringValue ?? "") }
        #expect(deadInLoop.isEmpty, "dead letters: \(deadInLoop)")
        try await loop.stop()
    }

    @Test("card: the settlement file settles a charge with its fee; tok_chargeback is charged back in the next file and un-pays the entry")
    func cardChargeback() async throws {
        let loop = Loop()
        let start = try Self.scheduleDate()
        try loop.clock(start)
        try await loop.start()
        let good = Events.uniqueID("card-ok"), disputed = Events.uniqueID("card-cb")
        for (policy, token) in [(good, "tok_success"), (disputed, "tok_chargeback")] {
            try LiveServices.publish(CollectorFixture.issued(
                policy: policy, paymentMethod: CollectorFixture.card(token: token), start: start.description, end: start.addingMonths(12).description
            ))
        }
        try await LiveServices.eventually("both charges captured, paid and known to the reconciler", timeout: .seconds(60)) {
            try Self.isPaid(good) && Self.isPaid(disputed) && LiveServices.count(
                "SELECT count(*) AS n FROM reconciler.expected_items WHERE policy_id = ANY($1::text[]) AND reference IS NOT NULL", ["{\(good),\(disputed)}"]
            ) == 2
        }
        try loop.settle(start)
        try await loop.imported()
        try await LiveServices.eventually("both charges settled", timeout: .seconds(40)) {
            try Self.status(good) == "settled" && Self.status(disputed) == "settled"
        }
        let settled = try #require(try CollectorFixture.events("coverpay.payment.settled", policy: good).first)
        let amount = try Money(parsing: settled["total"]!.stringValue!)
        let fee = Money(cents: (amount.cents * 29 + 500) / 1000 + 30)
        #expect(settled["processor_fee"] == .string(fee.description) && settled["net"] == .string((amount - fee).description))

        let next = BankingCalendar.federalReserve.nextBankingDay(after: start)
        try loop.clock(next)
        let chargebacks = try loop.settle(next)
        #expect(chargebacks.contains("chargebacks") && !chargebacks.contains(" 0 chargebacks"), "\(chargebacks)")
        try await loop.imported()
        try await LiveServices.eventually("the chargeback un-pays the disputed entry", timeout: .seconds(40)) {
            try Self.status(disputed) == "returned" && !Self.isPaid(disputed)
        }
        let returned = try CollectorFixture.events("coverpay.payment.returned", policy: disputed)
        #expect(returned.count == 1 && returned.first?["failure_code"] == .string("card_chargeback") && returned.first?["late"] == .bool(true))
        #expect(try Self.isPaid(good) && Self.status(good) == "settled")
        #expect(try CollectorFixture.events("coverpay.payment.returned", policy: good).isEmpty)
        try await loop.stop()
    }

    @Test("a deposit with no payment and a payment with no deposit become exceptions an operator resolves")
    func exceptions() async throws {
        let loop = Loop()
        let start = try Self.scheduleDate()
        try loop.clock(start)
        try await loop.start(scheduler: false, collector: false)
        let stray = Self.trace()
        let statement = BAI2File(sender: "BANK", receiver: "COVERPAY", createdOn: start, fileID: stray, groups: [
            BAI2Group(ultimateReceiver: "COVERPAY", originator: "BANK", asOfDate: start, accounts: [
                BAI2Account(accountNumber: "1", transactions: [
                    BAI2Transaction(typeCode: "165", amount: Money(cents: 987_654), bankReference: "X", customerReference: stray, text: "UNKNOWN"),
                ]),
            ]),
        ])
        let file = loop.inbound.appendingPathExtension("stray.bai2")
        try Data(statement.render().utf8).write(to: file)
        let imported = try LiveServices.coverpay(["recon", "import", file.path])
        #expect(imported.status == 0 && imported.stdout.contains("1 line"), "\(imported.stderr)")

        // An ACH debit the bank never mentions, sent long before the business date.
        let policy = Events.uniqueID("no-deposit"), payment = Events.uniqueID("pay"), trace = Self.trace()
        try LiveServices.publish(Self.attempted(policy: policy, payment: payment, trace: trace, amount: "55.00", effective: start.adding(days: -10)))
        try await LiveServices.eventually("both exceptions open", timeout: .seconds(40)) {
            try LiveServices.count("SELECT count(*) AS n FROM reconciler.exceptions WHERE status = 'open' AND reference = ANY($1::text[])", ["{\(stray),\(trace)}"]) == 2
        }
        let listed = try JSONValue.parse(Array(try LiveServices.coverpay(["recon", "exceptions", "list", "--json"]).stdout.utf8)).arrayValue ?? []
        let ours = listed.filter { [stray, trace].contains($0["reference"]?.stringValue ?? "") }
        #expect(Set(ours.compactMap { $0["kind"]?.stringValue }) == ["unmatched_deposit", "missing_deposit"])
        #expect(ours.first { $0["kind"] == .string("missing_deposit") }?["policy_id"] == .string(policy))
        for exception in ours {
            let id = try #require(exception["id"]?.stringValue)
            let shown = try LiveServices.coverpay(["recon", "exceptions", "show", id, "--json"])
            #expect(shown.status == 0 && shown.stdout.contains(exception["reference"]!.stringValue!))
            let resolved = try LiveServices.coverpay(["recon", "exceptions", "resolve", id, "--reason", "checked with the bank"])
            #expect(resolved.status == 0, "\(resolved.stderr)")
            #expect(try LiveServices.coverpay(["recon", "exceptions", "resolve", id, "--reason", "again"]).status != 0)
        }
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.exceptions WHERE status = 'RESOLVED' AND resolution = 'checked with the bank' AND reference = ANY($1::text[])", ["{\(stray),\(trace)}"]) == 2)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.items WHERE reference = $1 AND status = 'RESOLVED'", [stray]) == 1)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.expected_items WHERE payment_id = $1 AND status = 'RESOLVED'", [payment]) == 1)
        try await LiveServices.eventually("recon.exception published for opening and resolving") {
            try LiveServices.count("SELECT count(*) AS n FROM coverpay.payment_events WHERE type = 'coverpay.recon.exception' AND body->'data'->>'reference' = ANY($1::text[])", ["{\(stray),\(trace)}"]) == 4
        }
        try await loop.stop()
    }

    static func attempted(policy: String, payment: String, trace: String, amount: String, effective: CalendarDate) -> JSONValue {
        Events.envelope("coverpay.payment.attempted", policy: policy, data: [
            "policy_id": .string(policy), "entry_number": .number("1"), "payment_id": .string(payment), "attempt": .number("1"),
            "amount": .string(amount), "fee": .string("0.00"), "total": .string(amount), "currency": .string("USD"), "rail": .string("ach"),
            "processor": .string("sandbox-ach"), "trace_number": .string(trace), "effective_date": .string(effective.description),
            "sec_code": .string("PPD"),
        ])
    }

    /// A trace number as an ODFI writes it: its 8-digit identification (starting 0, so never
    /// mistaken for a card number by the PAN scanner) and a 7-digit sequence.
    static func trace() -> String { "01100001" + String(Int.random(in: 1_000_000...9_999_999)) }

    @Test("zero tolerance: a deposit one cent off is MISMATCHED with an exception; a deposit without a key matches on amount and date as PARTIALLY_MATCHED")
    func toleranceAndFallback() async throws {
        let loop = Loop()
        let start = try Self.scheduleDate()
        try loop.clock(start)
        try await loop.start(scheduler: false, collector: false)
        let off = Events.uniqueID("cent-off"), keyless = Events.uniqueID("keyless")
        let offTrace = Self.trace(), keylessTrace = Self.trace()
        let offPayment = Events.uniqueID("pay"), keylessPayment = Events.uniqueID("pay")
        try LiveServices.publish(Self.attempted(policy: off, payment: offPayment, trace: offTrace, amount: "100.00", effective: start))
        try LiveServices.publish(Self.attempted(policy: keyless, payment: keylessPayment, trace: keylessTrace, amount: "4321.09", effective: start))
        try await LiveServices.eventually("both attempts expected") {
            try LiveServices.count("SELECT count(*) AS n FROM reconciler.expected_items WHERE payment_id = ANY($1::text[])", ["{\(offPayment),\(keylessPayment)}"]) == 2
        }
        let statement = BAI2File(sender: "BANK", receiver: "COVERPAY", createdOn: start, fileID: offTrace, groups: [
            BAI2Group(ultimateReceiver: "COVERPAY", originator: "BANK", asOfDate: start.adding(days: 1), accounts: [
                BAI2Account(accountNumber: "1", transactions: [
                    BAI2Transaction(typeCode: "165", amount: Money(cents: 10_001), bankReference: "A", customerReference: offTrace),
                    BAI2Transaction(typeCode: "165", amount: Money(cents: 432_109), bankReference: "B", customerReference: "NO-KEY-\(keylessTrace)"),
                ]),
            ]),
        ])
        let file = LiveServices.scratchFolder("recon").appendingPathComponent("tolerance-\(offTrace).bai2")
        try Data(statement.render().utf8).write(to: file)
        #expect(try LiveServices.coverpay(["recon", "import", file.path]).status == 0)
        func status(_ payment: String) throws -> String? {
            try LiveServices.database().query("SELECT status FROM reconciler.expected_items WHERE payment_id = $1", [payment]).first?["status"]
        }
        #expect(try status(offPayment) == "MISMATCHED" && status(keylessPayment) == "PARTIALLY_MATCHED")
        let mismatch = try LiveServices.database().query("SELECT kind, amount_cents, status FROM reconciler.exceptions WHERE payment_id = $1", [offPayment])
        #expect(mismatch.count == 1 && mismatch.first?["kind"] == "amount_mismatch" && mismatch.first?["amount_cents"] == "1" && mismatch.first?["status"] == "open")
        try await LiveServices.eventually("the keyless deposit counts as the attempt's deposit") {
            try CollectorFixture.events("coverpay.payment.succeeded", policy: keyless).first?["trace_number"] == .string(keylessTrace)
        }
        #expect(try CollectorFixture.events("coverpay.payment.succeeded", policy: off).isEmpty)
        let report = try JSONValue.parse(Array(try LiveServices.coverpay(["recon", "report", "--since", start.description, "--date", start.adding(days: 1).description, "--json"]).stdout.utf8))
        #expect(report["by_status"]?["MISMATCHED"] == .number("1") && report["by_status"]?["PARTIALLY_MATCHED"] == .number("1"))
        #expect(report["deposited"] == .string("4421.10") && report["expected"] == .string("4421.09"))
        try await loop.stop()
    }

    @Test("files dropped while no reconciler runs are imported once by two replicas; a malformed file is rejected whole")
    func replicasImportOnce() async throws {
        let loop = Loop()
        try FileManager.default.createDirectory(at: loop.inbound, withIntermediateDirectories: true)
        let day = try Self.scheduleDate()
        let drop = Events.uniqueID("drop")
        var references: [String] = []
        for index in 0..<6 {
            let reference = Self.trace()
            references.append(reference)
            let lines = [ProcessorSettlementLine(processorReference: "ref-\(reference)", kind: .refund, amount: Money(cents: -Int64(100 + index)), fee: .zero, settledOn: day)]
            try Data(ProcessorSettlementFile.render(lines).utf8).write(to: loop.inbound.appendingPathComponent("\(drop)-\(index).csv"))
        }
        // The same content under a second name, and a file whose net does not add up.
        try FileManager.default.copyItem(at: loop.inbound.appendingPathComponent("\(drop)-0.csv"), to: loop.inbound.appendingPathComponent("\(drop)-0-again.csv"))
        try Data("\(ProcessorSettlementFile.columns.joined(separator: ","))\nref-bad-\(references[0]),charge,10.00,0.59,9.40,\(day)\n".utf8)
            .write(to: loop.inbound.appendingPathComponent("broken.csv"))
        try await loop.start(scheduler: false, collector: false, reconcilers: 2)
        try await loop.imported()
        let refs = "{\(references.map { "ref-\($0)" }.joined(separator: ","))}"
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.items WHERE reference = ANY($1::text[])", [refs]) == 6)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM reconciler.items WHERE reference = $1", ["ref-bad-\(references[0])"]) == 0)
        let rejected = try String(contentsOf: loop.inbound.appendingPathComponent("rejected/broken.csv.reason"), encoding: .utf8)
        #expect(rejected.contains("broken.csv: line 2:") && rejected.contains("amount - fee"))
        let imported = try FileManager.default.contentsOfDirectory(atPath: loop.inbound.appendingPathComponent("imported").path)
        #expect(imported.count == 7)
        let files = try JSONValue.parse(Array(try LiveServices.coverpay(["recon", "files", "list", "--json"]).stdout.utf8)).arrayValue ?? []
        let names = files.compactMap { $0["file_name"]?.stringValue }.filter { $0.hasPrefix(drop) }
        #expect(names.count == 6, "one import per content: \(names)")
        #expect(files.filter { $0["file_name"]?.stringValue?.hasPrefix(drop) == true }.allSatisfy { $0["lines"] == .number("1") && $0["kind"] == .string("settlement_csv") })
        try await loop.stop()
    }
}

/// Years 2035–2095 handed out once each per test process, from a random start.
private let unusedYears = YearSequence()

private final class YearSequence: @unchecked Sendable {
    private let lock = NSLock()
    private var year = Int.random(in: 2035...2095)

    func next() -> Int {
        lock.withLock {
            defer { year = year == 2095 ? 2035 : year + 1 }
            return year
        }
    }
}
