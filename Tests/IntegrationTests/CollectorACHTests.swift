import CoverPayCore
import CollectorWorker
import Foundation
import Testing

/// The ACH rail: debits queued with trace numbers from the database sequence, NACHA files cut
/// one batch per SEC code and effective date, written to the outbound folder; attempts stay
/// pending; account numbers never stored in clear.
extension CollectorSuites {
@Suite("Collector: ACH rail", .serialized)
struct ACHRail {
    init() throws { try LiveServices.isolate() }

    @Test("PPD, WEB and CCD debits on two dates become one NACHA file with a batch per SEC code and date")
    func nachaFile() async throws {
        let outbound = CollectorFixture.temporaryOutbound()
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment(outbound: outbound))
        try await collector.waitUntilReady()
        let ppd = Events.uniqueID("ach-ppd"), web = Events.uniqueID("ach-web"), ccd = Events.uniqueID("ach-ccd")
        let methods: [(String, JSONValue)] = [
            (ppd, CollectorFixture.bankAccount(account: "000123456789", name: "JANE DOE")),
            (web, CollectorFixture.bankAccount(routing: "021000021", account: "98765432", type: "savings", authorization: "online", validated: true)),
            (ccd, CollectorFixture.bankAccount(routing: "111000025", account: "55554444", holder: "business", name: "ACME ROOFING LLC")),
        ]
        for (policy, method) in methods { try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: method)) }
        for (policy, _) in methods { try await CollectorFixture.known(policy) }
        // 2099-02-02 is a Monday, 2099-03-02 a Monday: two effective dates.
        try LiveServices.publish(CollectorFixture.due(policy: ppd, entry: 1, amount: "100.00", scheduleDate: "2099-02-02"))
        try LiveServices.publish(CollectorFixture.due(policy: ppd, entry: 2, amount: "100.01", scheduleDate: "2099-03-02"))
        try LiveServices.publish(CollectorFixture.due(policy: web, entry: 1, amount: "250.00", scheduleDate: "2099-02-02"))
        try LiveServices.publish(CollectorFixture.due(policy: ccd, entry: 1, amount: "12500.00", scheduleDate: "2099-02-02"))
        let policies = [ppd, web, ccd]
        try await LiveServices.eventually("all four debits in a written file") {
            try LiveServices.count(
                "SELECT count(*) AS n FROM collector.payments p JOIN collector.ach_files f ON f.id = p.ach_file_id WHERE p.policy_id = ANY($1::text[]) AND f.written_at IS NOT NULL",
                ["{\(policies.joined(separator: ","))}"]
            ) == 4
        }
        let rows = try LiveServices.database().query(
            """
            SELECT p.policy_id, p.entry_number, p.trace_number, p.sec_code, p.status, f.file_name
            FROM collector.payments p JOIN collector.ach_files f ON f.id = p.ach_file_id WHERE p.policy_id = ANY($1::text[])
            """,
            ["{\(policies.joined(separator: ","))}"]
        )
        #expect(rows.allSatisfy { $0["status"] == "pending" })
        // Another collector's job may have cut the file (and written it to its own folder): read
        // the files back from the database; a file cut by this worker is also on disk, identical.
        var files: [NACHAFile] = []
        for fileName in Set(rows.compactMap { $0["file_name"] }) {
            let text = try #require(try ACHFileStore.text(file: fileName, LiveServices.database()))
            #expect(text.split(separator: "\n").allSatisfy { $0.count == 94 })
            #expect(text.split(separator: "\n").count % 10 == 0)
            if let written = try? String(contentsOf: outbound.appendingPathComponent(fileName), encoding: .utf8) { #expect(written == text) }
            files.append(try NACHAFile.parse(text))
        }
        #expect(files.allSatisfy { file in Set(file.batches.map { "\($0.header.secCode) \($0.header.effectiveEntryDate) \($0.header.entryDescription)" }).count == file.batches.count })
        let ours = files.flatMap(\.batches).filter { batch in batch.entries.contains { entry in rows.contains { $0["trace_number"] == entry.traceNumber } } }
        let keys = ours.map { "\($0.header.secCode.rawValue) \($0.header.effectiveEntryDate)" }.sorted()
        #expect(keys.contains("PPD 2099-02-02") && keys.contains("PPD 2099-03-02") && keys.contains("WEB 2099-02-02") && keys.contains("CCD 2099-02-02"))
        let byTrace = Dictionary(uniqueKeysWithValues: files.flatMap(\.entries).map { ($0.traceNumber, $0) })
        func entry(_ policy: String, _ number: Int) throws -> NACHAEntry {
            let trace = try #require(rows.first { $0["policy_id"] == policy && $0["entry_number"] == "\(number)" }?["trace_number"])
            return try #require(byTrace[trace])
        }
        let first = try entry(ppd, 1)
        #expect(first.transactionCode == 27 && first.receivingRoutingNumber == "011000015" && first.accountNumber == "000123456789")
        #expect(first.amountCents == 10000 && first.individualName == "JANE DOE" && first.individualIdentification == "PN-\(ppd)".prefix(15).uppercased())
        #expect(try entry(ppd, 2).amountCents == 10001)
        let savings = try entry(web, 1)
        #expect(savings.transactionCode == 37 && savings.accountNumber == "98765432" && savings.discretionaryData == "R")
        #expect(try entry(ccd, 1).amountCents == 1_250_000)
        #expect(ours.allSatisfy { $0.header.serviceClassCode == 225 && $0.header.entryDescription == "PREMIUM" })

        // At rest, only masked numbers and ciphertext.
        for (account, policy) in [("000123456789", ppd), ("98765432", web), ("55554444", ccd)] {
            #expect(try LiveServices.count(
                "SELECT count(*) AS n FROM collector.policies WHERE policy_id = $1 AND (payment_method::text LIKE $2 OR account_ciphertext LIKE $2)",
                [policy, "%\(account)%"]
            ) == 0)
            #expect(try LiveServices.count("SELECT count(*) AS n FROM coverpay.payment_events WHERE policy_id = $1 AND body::text LIKE $2", [policy, "%\(account)%"]) == 0)
        }
        let listed = try LiveServices.coverpay(["payments", "list", "--policy", ppd, "--json"])
        let payments = try JSONValue.parse(Array(listed.stdout.utf8)).arrayValue ?? []
        #expect(payments.count == 2)
        #expect(payments.allSatisfy { payment in
            ["payment_id", "policy_id", "entry_number", "rail", "processor", "amount", "status", "failure_code", "attempt", "created_at"].allSatisfy { payment[$0] != nil }
        })
        #expect(payments.allSatisfy { $0["rail"] == .string("ach") && $0["status"] == .string("pending") })
        try await collector.terminate()
    }
}
}
