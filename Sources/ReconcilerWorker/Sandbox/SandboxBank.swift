import CoverPayCore
import Fleet
import Foundation
import Postgres

/// The sandbox bank and card processor (DESIGN §11): what a real ODFI and processor would send
/// back for one business date, so the whole payment loop runs locally. Used by
/// `coverpay sandbox bank settle --date D` and the demo.
///
/// 1. Files from earlier runs not yet in the inbound folder are written first (see 4).
/// 2. In one transaction, under an advisory lock (one settle at a time): every debit in the
///    outbound NACHA files with an effective date on or before D that the bank has not seen is
///    entered in sandbox.bank_entries with its outcome (the magic account numbers); debits due to
///    come back (now, or 3 banking days after settling for `02NN`) are marked returned; approved
///    card charges not yet settled are settled, and `tok_chargeback` charges settled in an earlier
///    file are charged back. The bank's books make each of these happen once however often
///    settle runs.
/// 3. The same transaction stores the run's files (BAI2 statement, NACHA return file, settlement
///    CSV; only those with content) in sandbox.bank_runs and commits.
/// 4. Each file is written to the inbound folder under a temporary name and renamed, so the
///    reconciler never reads half a file; the run is then marked written. A crash before that
///    leaves the run unwritten and step 1 of the next run writes it, byte for byte.
public struct SandboxBank {
    public let outboundDirectory: String
    public let inboundDirectory: String

    /// The sandbox RDFI's identification (every returned debit comes back from it) and the
    /// account CoverPay's deposits land in.
    static let rdfiIdentification = "09100001"
    static let operatingAccount = "000987654321"

    public init(outboundDirectory: String, inboundDirectory: String) {
        self.outboundDirectory = outboundDirectory
        self.inboundDirectory = inboundDirectory
    }

    public static var fromEnvironment: SandboxBank {
        let environment = ProcessInfo.processInfo.environment
        return SandboxBank(
            outboundDirectory: environment["COVERPAY_ACH_OUTBOUND_DIR"] ?? ".local/ach/outbound",
            inboundDirectory: ReconcilerSettings.current.inboundDirectory
        )
    }

    public struct Report: Sendable {
        public var date: CalendarDate
        public var deposits: Int = 0
        public var returns: Int = 0
        public var cardCharges: Int = 0
        public var chargebacks: Int = 0
        public var files: [String] = []
    }

    public func settle(date: CalendarDate, database: PostgresConnection) throws -> Report {
        try writePendingRuns(database)
        let debits = try outboundDebits()
        let report = try database.transaction { database -> Report in
            try database.query("SELECT pg_advisory_xact_lock(hashtextextended('sandbox.bank_settle', 0))")
            return try settle(date: date, debits: debits, database: database)
        }
        try writePendingRuns(database)
        return report
    }

    /// A debit as the bank received it.
    struct ReceivedDebit {
        var entry: NACHAEntry
        var batch: NACHABatchHeader
        var file: NACHAFileHeader
        var fileName: String
    }

    private func outboundDebits() throws -> [String: ReceivedDebit] {
        let folder = URL(fileURLWithPath: outboundDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [:] }
        var debits: [String: ReceivedDebit] = [:]
        for name in names.sorted() where !name.hasPrefix(".") && name.hasSuffix(".ach") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let file = try NACHAFile.parse(text)
            for batch in file.batches {
                for entry in batch.entries { debits[entry.traceNumber] = ReceivedDebit(entry: entry, batch: batch.header, file: file.header, fileName: name) }
            }
        }
        return debits
    }

    private func settle(date: CalendarDate, debits: [String: ReceivedDebit], database: PostgresConnection) throws -> Report {
        var report = Report(date: date)
        var deposits: [ReceivedDebit] = []
        for debit in debits.values.sorted(by: { $0.entry.traceNumber < $1.entry.traceNumber }) where debit.batch.effectiveEntryDate <= date {
            let presentment = debit.batch.entryDescription == NACHAEntryDescription.reinitiated ? 2 : 1
            var settledOn: String? = date.description
            var returnCode: String?
            var returnDue: String?
            switch SandboxBankBehaviour.outcome(accountNumber: debit.entry.accountNumber, presentment: presentment) {
            case .settles: break
            case .returned(let code):
                settledOn = nil
                returnCode = code.rawValue
                returnDue = date.description
            case .lateReturn(let code, let days):
                returnCode = code.rawValue
                returnDue = BankingCalendar.federalReserve.addingBankingDays(days, to: date).description
            }
            let inserted = try database.query(
                """
                INSERT INTO sandbox.bank_entries (trace_number, source_file, effective_date, amount_cents, account_last4, presentment, settled_on,
                    return_code, return_due_on)
                VALUES ($1, $2, $3::date, $4, $5, $6, $7::date, $8, $9::date) ON CONFLICT (trace_number) DO NOTHING RETURNING trace_number
                """,
                [debit.entry.traceNumber, debit.fileName, debit.batch.effectiveEntryDate.description, debit.entry.amountCents,
                 String(debit.entry.accountNumber.suffix(4)), presentment, settledOn, returnCode, returnDue]
            )
            if !inserted.isEmpty, settledOn != nil { deposits.append(debit) }
        }
        // Only entries of the files in this bank's drop: another outbound folder (a test's) is
        // another originator's business, and its returns are written by its own bank run.
        let returned = try database.query(
            """
            UPDATE sandbox.bank_entries SET returned_on = $1::date
            WHERE return_code IS NOT NULL AND returned_on IS NULL AND return_due_on <= $1::date AND trace_number = ANY($2::text[])
            RETURNING trace_number, return_code
            """,
            [date.description, debits.keys.sorted()]
        )
        var returns: [NACHAReturnedDebit] = []
        for row in returned {
            let trace: String = try row.decode("trace_number")
            guard let debit = debits[trace] else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the outbound NACHA file with trace \(trace) is gone; cannot write its return"])
            }
            // The return names the account by its last four digits only: a real RDFI sends the whole
            // number, which the reconciler does not need (it keeps `accountLast4`), and this bank's
            // files are kept in CoverPay's database (sandbox.bank_runs), where the leak scan found them.
            var original = debit.entry
            original.accountNumber = String(original.accountNumber.suffix(4))
            returns.append(NACHAReturnedDebit(original: original, originalBatch: debit.batch, returnCode: ACHReturnCode(try row.decode("return_code"))!))
        }
        let cardLines = try cardSettlement(date: date, database: database)

        let run: Int64 = try database.query("INSERT INTO sandbox.bank_runs (run_date) VALUES ($1::date) RETURNING id", [date.description])[0].decode("id")
        var files: [String: JSONValue] = [:]
        if !deposits.isEmpty {
            files["sandbox-bank-\(date)-\(run).bai2"] = .string(statement(deposits, date: date, run: run).render())
        }
        if let header = returns.first.map({ debits[$0.original.traceNumber]!.file }) {
            files["sandbox-bank-\(date)-\(run)-returns.ach"] = .string(
                try NACHAReturnFile.render(returns, originalFile: header, rdfiIdentification: Self.rdfiIdentification, createdOn: date)
            )
        }
        if !cardLines.isEmpty {
            files["sandbox-processor-\(date)-\(run).csv"] = .string(ProcessorSettlementFile.render(cardLines))
        }
        try database.query("UPDATE sandbox.bank_runs SET files = $2::jsonb WHERE id = $1", [run, JSONValue.object(files).serialized()])
        report.deposits = deposits.count
        report.returns = returns.count
        report.cardCharges = cardLines.filter { $0.kind == .charge }.count
        report.chargebacks = cardLines.filter { $0.kind == .chargeback }.count
        report.files = files.keys.sorted()
        return report
    }

    private func statement(_ deposits: [ReceivedDebit], date: CalendarDate, run: Int64) -> BAI2File {
        let transactions = deposits.map { debit in
            BAI2Transaction(
                typeCode: BAI2Transaction.achCreditSettlement, amount: Money(cents: debit.entry.amountCents),
                bankReference: "SBX\(debit.entry.traceNumber.suffix(7))", customerReference: debit.entry.traceNumber,
                text: "ACH SETTLEMENT \(debit.entry.individualIdentification)"
            )
        }
        let total = transactions.reduce(Money.zero) { $0 + $1.amount }
        return BAI2File(sender: "SANDBOXBNK", receiver: "COVERPAY", createdOn: date, fileID: String(run), groups: [
            BAI2Group(ultimateReceiver: "COVERPAY", originator: "SANDBOXBNK", asOfDate: date, accounts: [
                BAI2Account(
                    accountNumber: Self.operatingAccount,
                    summaries: [BAI2Summary(typeCode: "100", amount: total, itemCount: transactions.count)], transactions: transactions
                ),
            ]),
        ])
    }

    /// The sandbox processor's fee: 2.9% (rounded half up) + 30 cents per charge; none on a chargeback.
    static func fee(_ amount: Money) -> Money { Money(cents: (amount.cents * 29 + 500) / 1000 + 30) }

    private func cardSettlement(date: CalendarDate, database: PostgresConnection) throws -> [ProcessorSettlementLine] {
        let charges = try database.query(
            """
            INSERT INTO sandbox.bank_card_settlements (reference, kind, settled_on)
            SELECT DISTINCT reference, 'charge', $1::date FROM sandbox.card_calls
            WHERE kind = 'charge' AND NOT replay AND outcome = 'approved' AND reference IS NOT NULL
            ON CONFLICT DO NOTHING RETURNING reference
            """,
            [date.description]
        ).compactMap { $0["reference"] }
        let chargebacks = try database.query(
            """
            INSERT INTO sandbox.bank_card_settlements (reference, kind, settled_on)
            SELECT s.reference, 'chargeback', $1::date FROM sandbox.bank_card_settlements s
            WHERE s.kind = 'charge' AND s.settled_on < $1::date
              AND EXISTS (SELECT 1 FROM sandbox.card_calls c WHERE c.reference = s.reference AND c.kind = 'charge' AND c.token = 'tok_chargeback')
            ON CONFLICT DO NOTHING RETURNING reference
            """,
            [date.description]
        ).compactMap { $0["reference"] }
        let amounts = try database.query(
            "SELECT reference, max(amount_cents) AS amount_cents FROM sandbox.card_calls WHERE kind = 'charge' AND reference = ANY($1::text[]) GROUP BY reference",
            [charges + chargebacks]
        )
        let amountByReference = Dictionary(uniqueKeysWithValues: try amounts.map { (try $0.decode("reference", as: String.self), Money(cents: try $0.decode("amount_cents"))) })
        return charges.sorted().compactMap { reference in
            amountByReference[reference].map { ProcessorSettlementLine(processorReference: reference, kind: .charge, amount: $0, fee: Self.fee($0), settledOn: date) }
        } + chargebacks.sorted().compactMap { reference in
            amountByReference[reference].map { ProcessorSettlementLine(processorReference: reference, kind: .chargeback, amount: -$0, fee: .zero, settledOn: date) }
        }
    }

    private func writePendingRuns(_ database: PostgresConnection) throws {
        let rows = try database.query("SELECT id, files::text AS files FROM sandbox.bank_runs WHERE written_at IS NULL ORDER BY id")
        guard !rows.isEmpty else { return }
        let folder = URL(fileURLWithPath: inboundDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for row in rows {
            let files = try JSONValue.parse(Array(try row.decode("files", as: String.self).utf8)).objectValue ?? [:]
            for (name, content) in files.sorted(by: { $0.key < $1.key }) {
                let temporary = folder.appendingPathComponent(".\(name).partial")
                try Data((content.stringValue ?? "").utf8).write(to: temporary)
                guard rename(temporary.path, folder.appendingPathComponent(name).path) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path, NSLocalizedDescriptionKey: "rename failed: errno \(errno)"])
                }
            }
            try database.query("UPDATE sandbox.bank_runs SET written_at = now() WHERE id = $1", [try row.decode("id", as: Int64.self)])
        }
    }
}
