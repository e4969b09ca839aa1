import AccountingSyncWorker
import CoverPayCore
import Fleet
import Foundation
import Testing

/// accounting-sync against the live services: the events are published as the scheduler, the
/// collector and the reconciler would publish them.
@Suite("Accounting: the ledger", .serialized)
struct AccountingLedgerTests {
    init() throws {
        try LiveServices.isolate()
    }

    /// A policy with commission rate 0.10 and entries 1 (and up to `entries`) due: premium 100.00, fee 5.00, tax 2.00 each.
    static func policyWithDueInstallment(_ policy: String, entries: Int = 1) throws {
        try LiveServices.publish(Events.issued(policy: policy))
        for entry in 1...entries {
            try LiveServices.publish(Events.envelope("coverpay.installment.due", policy: policy, data: [
                "entry_number": .number("\(entry)"), "schedule_date": .string("2026-01-01"), "due_date": .string("2026-01-01"),
                "amount": .string("107.00"), "premium": .string("100.00"), "fee": .string("5.00"), "tax": .string("2.00"), "currency": .string("USD"),
            ]))
        }
    }

    static func succeeded(_ policy: String, payment: String, rail: String = "card", total: String = "107.00", id: String = Events.uniqueID("evt")) -> JSONValue {
        Events.envelope("coverpay.payment.succeeded", policy: policy, id: id, data: [
            "entry_number": .number("1"), "payment_id": .string(payment), "attempt": .number("1"), "amount": .string("107.00"),
            "fee": .string("0.00"), "total": .string(total), "currency": .string("USD"), "rail": .string(rail), "processor": .string("sandbox"),
            "succeeded_on": .string("2026-01-01"),
        ])
    }

    static func settled(_ policy: String, payment: String, net: String = "104.00", processorFee: String = "3.00") -> JSONValue {
        Events.envelope("coverpay.payment.settled", policy: policy, data: [
            "entry_number": .number("1"), "payment_id": .string(payment), "amount": .string("107.00"), "total": .string("107.00"),
            "currency": .string("USD"), "rail": .string("card"), "settled_on": .string("2026-01-03"), "processor_fee": .string(processorFee),
            "net": .string(net), "reference": .string("ref-\(payment)"),
        ])
    }

    static func returned(_ policy: String, payment: String) -> JSONValue {
        Events.envelope("coverpay.payment.returned", policy: policy, data: [
            "entry_number": .number("1"), "payment_id": .string(payment), "amount": .string("107.00"), "total": .string("107.00"),
            "failure_code": .string("card_chargeback"), "late": .bool(true), "returned_on": .string("2026-01-20"), "retryable": .bool(false),
        ])
    }

    /// `coverpay ledger entries --policy P --json`.
    static func entries(policy: String) throws -> [JSONValue] {
        let result = try LiveServices.coverpay(["ledger", "entries", "--policy", policy, "--json"])
        guard result.status == 0, let entries = try JSONValue.parse(Array(result.stdout.utf8)).arrayValue else {
            throw FleetTestError("ledger entries: \(result.stderr)")
        }
        return entries
    }

    static func lines(_ entry: JSONValue) -> [String] {
        (entry["lines"]?.arrayValue ?? []).map { line in
            let debit = line["debit"]?.stringValue ?? "", credit = line["credit"]?.stringValue ?? ""
            return "\(line["account"]?.stringValue ?? "") \(debit == "0.00" ? "C \(credit)" : "D \(debit)")"
        }
    }

    static func postedKeys(paymentID: String) throws -> [String] {
        try LiveServices.database().query(
            "SELECT idempotency_key FROM ledger.journal_entries WHERE payment_id = $1 ORDER BY entry_id", [paymentID]
        ).map { try $0.decode("idempotency_key") }
    }

    /// Net balance per account over a policy's entries.
    static func policyNet(_ policy: String) throws -> [String: Int64] {
        var net: [String: Int64] = [:]
        for row in try LiveServices.database().query(
            """
            SELECT l.account_code, sum(l.debit_cents - l.credit_cents)::bigint AS net FROM ledger.journal_lines l
            JOIN ledger.journal_entries e USING (entry_id) WHERE e.policy_id = $1 GROUP BY l.account_code
            """, [policy]
        ) { net[try row.decode("account_code")] = try row.decode("net") }
        return net
    }

    @Test("a card payment collected then settled posts the expected lines; income only at settlement")
    func cardCollectedThenSettled() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("acct"), payment = Events.uniqueID("pay")
        try Self.policyWithDueInstallment(policy)
        try LiveServices.publish(Self.succeeded(policy, payment: payment))
        try await LiveServices.eventually("the collection is posted", timeout: .seconds(60)) { try Self.entries(policy: policy).count == 1 }
        let collected = try Self.entries(policy: policy)[0]
        #expect(Self.lines(collected) == ["1030 D 107.00", "2010-CARRIER-1 C 90.00", "2020 C 2.00", "2070 C 10.00", "2080 C 5.00"])
        #expect(try Self.policyNet(policy)["4010"] == nil, "no commission income before finality")

        try LiveServices.publish(Self.settled(policy, payment: payment))
        try await LiveServices.eventually("the settlement is posted", timeout: .seconds(60)) { try Self.entries(policy: policy).count == 4 }
        let all = try Self.entries(policy: policy)
        #expect(Self.lines(all[1]) == ["1010 D 104.00", "5010 D 3.00", "1030 C 107.00"])
        #expect(Self.lines(all[2]) == ["1010 D 3.00", "1020 C 3.00"])
        #expect(Self.lines(all[3]) == ["2070 D 10.00", "4010 C 10.00", "2080 D 5.00", "4020 C 5.00"])
        let net = try Self.policyNet(policy)
        #expect(net["1010"] == 10_700 && net["4010"] == -1_000 && net["4020"] == -500 && net["1030"] == 0 && net["2070"] == 0)
        try await LiveServices.eventually("ledger.posted announced each entry", timeout: .seconds(30)) {
            try LiveServices.count(
                "SELECT count(*)::int AS n FROM coverpay.payment_events WHERE type = 'coverpay.ledger.posted' AND body->'data'->>'policy_id' = $1", [policy]
            ) == 4
        }
    }

    @Test("duplicated, redelivered and reordered events post once")
    func duplicatesAndReorderingPostOnce() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("dup"), payment = Events.uniqueID("pay")
        try Self.policyWithDueInstallment(policy)
        // The settlement first (it waits for the collection through a retry), then the collection
        // twice with one message id, and once more as a new event for the same payment.
        try LiveServices.publish(Self.settled(policy, payment: payment))
        let collection = Self.succeeded(policy, payment: payment)
        try LiveServices.publish(collection)
        try LiveServices.publish(collection)
        try LiveServices.publish(Self.succeeded(policy, payment: payment))
        try await LiveServices.eventually("collection and settlement posted", timeout: .seconds(90)) { try Self.postedKeys(paymentID: payment).count == 4 }
        try await Task.sleep(for: .seconds(3))
        let keys = try Self.postedKeys(paymentID: payment)
        #expect(keys.count == 4, "\(keys)")
        #expect(keys.filter { $0.hasSuffix(":collected") }.count == 1)
        #expect(try Self.policyNet(policy)["1030"] == 0)
    }

    @Test("two accounting-sync replicas post each event once")
    func twoReplicasPostOnce() async throws {
        let replicas = try [WorkerProcess("accounting-sync"), WorkerProcess("accounting-sync")]
        for replica in replicas { try await replica.waitUntilReady() }
        let policy = Events.uniqueID("rep")
        try Self.policyWithDueInstallment(policy)
        try await LiveServices.eventually("the installment is known", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM accounting.installments WHERE policy_id = $1", [policy]) == 1
        }
        let payments = (0..<20).map { _ in Events.uniqueID("pay") }
        for payment in payments {
            let event = Self.succeeded(policy, payment: payment)
            try LiveServices.publish(event)
            try LiveServices.publish(event)
            try LiveServices.publish(Self.settled(policy, payment: payment))
        }
        try await LiveServices.eventually("every payment collected and settled", timeout: .seconds(120)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE policy_id = $1", [policy]) == 80
        }
        try await Task.sleep(for: .seconds(2))
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE policy_id = $1", [policy]) == 80)
        #expect(try Self.policyNet(policy)["1010"] == 20 * 10_700)
    }

    @Test("a chargeback after settlement reverses exactly what was posted, and the trust check holds")
    func returnReversesExactly() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("ret"), payment = Events.uniqueID("pay")
        try Self.policyWithDueInstallment(policy)
        try LiveServices.publish(Self.succeeded(policy, payment: payment))
        try LiveServices.publish(Self.settled(policy, payment: payment))
        try await LiveServices.eventually("collected and settled", timeout: .seconds(90)) { try Self.postedKeys(paymentID: payment).count == 4 }
        try LiveServices.publish(Self.returned(policy, payment: payment))
        try await LiveServices.eventually("reversed", timeout: .seconds(60)) { try Self.postedKeys(paymentID: payment).count >= 8 }
        let net = try Self.policyNet(policy)
        #expect(net.values.allSatisfy { $0 == 0 }, "\(net)")
        let reversed = try LiveServices.count(
            """
            SELECT count(*)::int AS n FROM ledger.journal_entries r JOIN ledger.journal_entries o ON o.entry_id = r.reverses_entry_id
            WHERE o.payment_id = $1 AND r.payment_id = $1
            """, [payment]
        )
        #expect(reversed == 4)
        let check = try LiveServices.coverpay(["ledger", "trust-check", "--json"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let trial = try JSONValue.parse(Array(try LiveServices.coverpay(["ledger", "trial-balance", "--json"]).stdout.utf8))
        #expect(trial["total_debit"] == trial["total_credit"] && trial["total_debit"] != nil)
    }

    @Test("carrier remittance and commission sweep move trust cash out once, and the trust check still holds")
    func remitAndSweep() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("remit"), payment = Events.uniqueID("pay")
        try Self.policyWithDueInstallment(policy)
        try LiveServices.publish(Self.succeeded(policy, payment: payment))
        try LiveServices.publish(Self.settled(policy, payment: payment))
        try await LiveServices.eventually("collected and settled", timeout: .seconds(90)) { try Self.postedKeys(paymentID: payment).count == 4 }

        func run(_ arguments: [String]) throws -> (amount: Money, entry: JSONValue) {
            let result = try LiveServices.coverpay(["ledger"] + arguments + ["--json"])
            guard result.status == 0 else { throw FleetTestError("ledger \(arguments): \(result.stderr)") }
            let json = try JSONValue.parse(Array(result.stdout.utf8))
            return (try Money(parsing: json["amount"]?.stringValue ?? ""), json["entry_id"] ?? .null)
        }
        let trustBefore = try Self.balance("1010")
        let remitted = try run(["remit", "--carrier", "CARRIER-1", "--through", "2026-12-31"])
        #expect(remitted.amount >= Money(cents: 9_000), "at least this payment's premium net of commission")
        #expect(try run(["remit", "--carrier", "CARRIER-1", "--through", "2026-12-31"]).amount == .zero, "nothing is remitted twice")
        let swept = try run(["sweep-commission", "--through", "2026-12-31"])
        #expect(swept.amount >= Money(cents: 1_500), "at least this payment's commission and fee")
        #expect(try run(["sweep-commission", "--through", "2026-12-31"]).amount == .zero)
        #expect(try Self.balance("1010") == trustBefore - remitted.amount - swept.amount)
        #expect(try LiveServices.coverpay(["ledger", "trust-check"]).status == 0)
        let bad = try LiveServices.coverpay(["ledger", "remit", "--carrier", "CARRIER-1", "--through", "someday"])
        #expect(bad.status != 0 && bad.stderr.contains("YYYY-MM-DD"))
    }

    static func balance(_ account: String) throws -> Money {
        Money(cents: Int64(try LiveServices.count(
            "SELECT coalesce(sum(debit_cents - credit_cents), 0)::bigint AS n FROM ledger.journal_lines WHERE account_code = $1", [account]
        )))
    }

    @Test("a return fee is accrued when assessed, collected with the next payment of its entry and earned at settlement; waived and written-off fees are released")
    func returnFees() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("fee"), payment = Events.uniqueID("pay")
        try Self.policyWithDueInstallment(policy, entries: 2)
        try await LiveServices.eventually("installments known", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM accounting.installments WHERE policy_id = $1", [policy]) == 2
        }
        func fee(_ type: String, _ feeID: String, entry: Int = 1) -> JSONValue { Self.feeEvent(type, policy: policy, feeID: feeID, entry: entry) }
        let kept = Events.uniqueID("fee"), waived = Events.uniqueID("fee"), writtenOff = Events.uniqueID("fee")
        // Each release is published once its assessment is stored: two consumers may take events
        // published back to back in either order, and a release that overtakes its assessment
        // posts nothing (tested on its own), which would leave fewer entries than counted here.
        func assessed(_ fees: [String]) async throws {
            try await LiveServices.eventually("fees \(fees) assessed") {
                try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = ANY($1::text[]) AND status = 'assessed'", [fees])
                    == fees.count
            }
        }
        try LiveServices.publish(fee("coverpay.fee.assessed", kept))
        try LiveServices.publish(fee("coverpay.fee.assessed", waived))
        try LiveServices.publish(fee("coverpay.fee.assessed", writtenOff, entry: 2))
        try await assessed([kept, waived, writtenOff])
        try LiveServices.publish(fee("coverpay.fee.waived", waived))
        try LiveServices.publish(Self.writtenOff(policy, entry: 2))
        try await LiveServices.eventually("fees posted", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE policy_id = $1", [policy]) == 5
        }
        #expect(try Self.policyNet(policy)["1040"] == 2_500, "only the kept fee is still receivable")
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = $1 AND status = 'written_off'", [writtenOff]) == 1)
        try LiveServices.publish(Self.succeeded(policy, payment: payment, total: "132.00"))
        try LiveServices.publish(Self.settled(policy, payment: payment, net: "129.00"))
        try await LiveServices.eventually("collected and settled", timeout: .seconds(90)) { try Self.postedKeys(paymentID: payment).count == 4 }
        let net = try Self.policyNet(policy)
        #expect(net["4030"] == -2_500 && net["4020"] == -500 && net["2080"] == 0 && net["1040"] == 0, "\(net)")
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = $1 AND status = 'collected'", [kept]) == 1)
    }

    static func feeEvent(_ type: String, policy: String, feeID: String, entry: Int = 1) -> JSONValue {
        Events.envelope(type, policy: policy, data: [
            "fee_id": .string(feeID), "kind": .string("return_fee"), "amount": .string("25.00"), "entry_number": .number("\(entry)"),
            "code": .string("R01"), "reason": .string("goodwill"),
        ])
    }

    static func writtenOff(_ policy: String, entry: Int) -> JSONValue {
        Events.envelope("coverpay.installment.written_off", policy: policy, data: [
            "entry_number": .number("\(entry)"), "amount": .string("107.00"), "operator": .string("ops"), "reason": .string("uncollectable"),
        ])
    }

    @Test("a waiver or a write-off that overtakes its fee's assessment releases the fee, and the late assessment posts nothing")
    func releaseOvertakesAssessment() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let policy = Events.uniqueID("fee"), waived = Events.uniqueID("fee"), writtenOff = Events.uniqueID("fee")
        try Self.policyWithDueInstallment(policy, entries: 2)
        try await LiveServices.eventually("installments known", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*)::int AS n FROM accounting.installments WHERE policy_id = $1", [policy]) == 2
        }
        try LiveServices.publish(Self.feeEvent("coverpay.fee.waived", policy: policy, feeID: waived))
        try LiveServices.publish(Self.writtenOff(policy, entry: 2))
        try await LiveServices.eventually("the waiver and the write-off applied") {
            try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = $1 AND status = 'waived'", [waived]) == 1
                && LiveServices.count("SELECT count(*)::int AS n FROM accounting.installments WHERE policy_id = $1 AND written_off", [policy]) == 1
        }
        let late = [
            Self.feeEvent("coverpay.fee.assessed", policy: policy, feeID: waived),
            Self.feeEvent("coverpay.fee.assessed", policy: policy, feeID: writtenOff, entry: 2),
        ]
        for event in late { try LiveServices.publish(event) }
        try await LiveServices.eventually("both late assessments handled") {
            try LiveServices.count(
                "SELECT count(*)::int AS n FROM coverpay.inbox WHERE consumer = $1 AND message_id = ANY($2::text[])",
                [AccountingSyncWorker.queue.name, late.map { $0["id"]!.stringValue! }]
            ) == 2
        }
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = $1 AND status = 'written_off'", [writtenOff]) == 1)
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM accounting.return_fees WHERE fee_id = $1 AND status = 'waived'", [waived]) == 1)
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE policy_id = $1", [policy]) == 0)
        #expect(try Self.policyNet(policy)["1040"] ?? 0 == 0, "no return fee receivable")
    }

    @Test("bad input waits in the DLQ with its reason and nothing is half-posted")
    func badInputIsDeadLettered() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let unknown = Events.uniqueID("nopolicy"), policy = Events.uniqueID("bad"), payment = Events.uniqueID("pay")
        let orphan = Self.succeeded(unknown, payment: Events.uniqueID("pay"))
        try LiveServices.publish(orphan)
        try Self.policyWithDueInstallment(policy)
        try LiveServices.publish(Self.succeeded(policy, payment: payment))
        let mismatch = Self.settled(policy, payment: payment, net: "100.00", processorFee: "3.00")
        try LiveServices.publish(mismatch)
        let wrongTotal = Self.succeeded(policy, payment: Events.uniqueID("pay"), total: "999.00")
        try LiveServices.publish(wrongTotal)
        let expected = [
            orphan["id"]!.stringValue!: "unknown_policy", mismatch["id"]!.stringValue!: "settlement_mismatch", wrongTotal["id"]!.stringValue!: "split_mismatch",
        ]
        try await LiveServices.eventually("all three are dead-lettered", timeout: .seconds(60)) { try Self.deadLetters(Array(expected.keys)).count == 3 }
        let letters = try Self.deadLetters(Array(expected.keys))
        for (id, reason) in expected { #expect(letters[id]?["reason"]?.stringValue == reason, "\(id): \(letters[id] ?? .null)") }
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE policy_id = $1", [unknown]) == 0)
        #expect(try Self.postedKeys(paymentID: payment).count == 1, "only the collection: the refused settlement posted nothing")
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM accounting.payments WHERE payment_id = $1 AND status = 'collected'", [payment]) == 1)
    }

    @Test("the database refuses an unbalanced entry even when code skips the rules")
    func databaseRefusesUnbalancedEntries() throws {
        let database = try LiveServices.database()
        let key = Events.uniqueID("unbalanced")
        #expect(throws: (any Error).self) {
            try database.transaction { database in
                let id: Int64 = try database.query(
                    """
                    INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo)
                    VALUES ($1, $1, 'test', 'test', 1, '2026-01-01', 'unbalanced') RETURNING entry_id
                    """, [key]
                )[0].decode("entry_id")
                try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents) VALUES ($1, 1, '1010', 100)", [id])
                try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, credit_cents) VALUES ($1, 2, '2060', 99)", [id])
            }
        }
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE idempotency_key = $1", [key]) == 0)
    }

    @Test("a posting naming an account the chart lacks, or not balancing, is refused with its reason and leaves no row", arguments: [
        ("unknown_account", [JournalLine.debit("1010", Money(cents: 500)), .credit("9999", Money(cents: 500))]),
        ("unbalanced_entry", [JournalLine.debit("1010", Money(cents: 500)), .credit("2060", Money(cents: 499))]),
    ])
    func journalRefusesBadPostings(reason: String, lines: [JournalLine]) throws {
        let database = try LiveServices.database()
        let eventID = Events.uniqueID("bad-posting")
        // Built without PostingRules, as a faulty rule would.
        let draft = JournalEntryDraft(rule: "faulty", leg: "only", memo: "faulty rule", lines: lines)
        let source = PostingSource(eventID: eventID, eventType: "test", policyID: eventID, postedOn: "2026-01-01")
        try database.transaction { database in
            try database.query("SAVEPOINT message")
            do {
                try Journal.post([draft], source: source, database)
                Issue.record("the posting was accepted")
            } catch HandlerError.rejected(let refused, let detail) {
                #expect(refused == reason, "\(detail)")
                try database.query("ROLLBACK TO SAVEPOINT message")
            }
        }
        #expect(try LiveServices.count("SELECT count(*)::int AS n FROM ledger.journal_entries WHERE event_id = $1", [eventID]) == 0)
    }

    @Test("a trust breach is detected: metric, recon.exception, loud log, and trust-check exits 1")
    func trustBreachIsReported() async throws {
        let worker = try WorkerProcess("accounting-sync")
        try await worker.waitUntilReady()
        let database = try LiveServices.database()
        let before = try LiveServices.coverpay(["ledger", "trust-check", "--json"])
        #expect(before.status == 0, "the ledger starts sound: \(before.stdout)")
        let shortfall = try JSONValue.parse(Array(before.stdout.utf8))
        let slack = try Money(parsing: shortfall["trust_cash"]!.stringValue!) + Money(parsing: shortfall["in_transit"]!.stringValue!)
            - Money(parsing: shortfall["fiduciary_liabilities"]!.stringValue!)
        // An operator's mistaken entry: more premium than the slack paid to a carrier-like liability.
        let key = Events.uniqueID("breach"), amount = slack.cents + 12_345
        let id: Int64 = try database.transaction { database in
            let id: Int64 = try database.query(
                """
                INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo)
                VALUES ($1, $1, 'test', 'manual', 1, '2026-01-01', 'mistaken refund liability') RETURNING entry_id
                """, [key]
            )[0].decode("entry_id")
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents) VALUES ($1, 1, '5010', $2)", [id, amount])
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, credit_cents) VALUES ($1, 2, '2090', $2)", [id, amount])
            return id
        }
        try await LiveServices.eventually("recon.exception published", timeout: .seconds(30)) {
            try LiveServices.count(
                "SELECT count(*)::int AS n FROM coverpay.payment_events WHERE type = 'coverpay.recon.exception' AND body->'data'->>'exception_id' = $1",
                ["trust-breach-\(id)"]
            ) == 1
        }
        #expect(worker.log.contains("TRUST BREACH"))
        #expect(await worker.body(of: "/metrics").contains("coverpay_trust_breaches_total"))
        let during = try LiveServices.coverpay(["ledger", "trust-check"])
        #expect(during.status != 0 && during.stderr.contains("TRUST BREACH"), "\(during.stdout) \(during.stderr)")
        // Corrected by a reversing entry: the ledger is sound again.
        try database.transaction { database in
            let reversal: Int64 = try database.query(
                """
                INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo, reverses_entry_id)
                VALUES ($1 || ':reverse', $1, 'test', 'manual', 1, '2026-01-01', 'reversal', $2) RETURNING entry_id
                """, [key, id]
            )[0].decode("entry_id")
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, credit_cents) VALUES ($1, 1, '5010', $2)", [reversal, amount])
            try database.query("INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents) VALUES ($1, 2, '2090', $2)", [reversal, amount])
        }
        #expect(try LiveServices.coverpay(["ledger", "trust-check"]).status == 0)
    }

    /// accounting-sync's dead letters with the given ids.
    static func deadLetters(_ ids: [String]) throws -> [String: JSONValue] {
        let result = try LiveServices.coverpay(["dlq", "list", "--queue", AccountingSyncWorker.queue.name, "--json"])
        guard result.status == 0, let listed = try JSONValue.parse(Array(result.stdout.utf8)).arrayValue else {
            throw FleetTestError("dlq list failed: \(result.stderr)")
        }
        var found: [String: JSONValue] = [:]
        for letter in listed { if let id = letter["id"]?.stringValue, ids.contains(id) { found[id] = letter } }
        return found
    }
}
