import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Cuts NACHA files from the queued debits. The file (sealed) and the link from each debit to it
/// commit in one transaction; the file is written to the outbound folder afterwards, and any file
/// whose write did not complete (a crash) is written again, byte for byte, on the next run. One
/// writer at a time across replicas (a transaction-level advisory lock), which also makes the
/// day's file ID modifiers (A, B, …) unique.
struct ACHFileJob: ScheduledJob {
    let name = "ach-files"
    let settings: CollectorSettings
    static let modifiers = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        try writePendingFiles(database, logger: logger)
        let created = try database.transaction { database -> Bool in
            guard try database.query("SELECT pg_try_advisory_xact_lock(hashtextextended('collector.ach_files', 0)) AS locked")[0].decode("locked", as: Bool.self)
            else { return false }
            return try cutFile(database, logger: logger)
        }
        guard created else { return 0 }
        try writePendingFiles(database, logger: logger)
        return 1
    }

    private func cutFile(_ database: PostgresConnection, logger: Logger) throws -> Bool {
        let rows = try database.query(
            """
            SELECT \(PaymentRecord.columns) FROM collector.payments
            WHERE rail = 'ach' AND status = 'pending' AND ach_file_id IS NULL
              AND EXISTS (SELECT 1 FROM collector.payments o WHERE o.rail = 'ach' AND o.status = 'pending' AND o.ach_file_id IS NULL
                          AND o.created_at < now() - make_interval(secs => $1::int / 1000.0))
            ORDER BY trace_number LIMIT 10000 FOR UPDATE SKIP LOCKED
            """,
            [settings.achFileWindowMilliseconds]
        )
        guard !rows.isEmpty else { return false }
        let payments = try rows.map(PaymentRecord.init(row:))
        let reinitiations = try reinitiatedPayments(payments, database)
        let debits = try payments.map { payment -> NACHADebit in
            guard let ach = payment.ach, case .ach(var account)? = try payment.paymentMethod.map({ try PaymentMethod(json: unmasked($0, ach)) }) else {
                throw RuleFileError("ACH attempt \(payment.paymentID) lacks its account details")
            }
            account.holderName = ach.receiverName
            return NACHADebit(
                account: account, secCode: ach.secCode, amount: payment.amount, effectiveDate: ach.effectiveDate,
                individualIdentification: ach.individualIdentification, individualName: ach.receiverName,
                isReinitiation: reinitiations.contains(payment.paymentID), traceSequence: Int(ach.traceNumber.suffix(7))!
            )
        }
        let today = try CalendarDate(iso: BusinessClock.today(database))
        let used: Int = try database.query("SELECT count(*) AS n FROM collector.ach_files WHERE created_on = $1::date", [today.description])[0].decode("n")
        guard used < Self.modifiers.count else {
            logger.error("36 NACHA files were already cut today; debits wait for tomorrow")
            return false
        }
        let modifier = Self.modifiers[used]
        let file = try NACHAFile.debits(debits, originator: settings.originator, createdOn: today, at: Self.timeOfDay(), fileIDModifier: modifier)
        let fileName = "coverpay-\(today)-\(modifier).ach"
        let fileID: Int64 = try database.query(
            """
            INSERT INTO collector.ach_files (file_name, created_on, file_id_modifier, batch_count, entry_count, total_debit_cents,
                content_ciphertext, summary)
            VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id
            """,
            [fileName, today.description, String(modifier), file.batches.count, file.entries.count, file.totalDebitCents,
             try settings.encryption.seal(file.render()), ACHFileSummary.json(file, payments: payments).serialized()]
        )[0].decode("id")
        try database.query(
            "UPDATE collector.payments SET ach_file_id = $1 WHERE payment_id = ANY($2::text[])",
            [fileID, payments.map(\.paymentID)]
        )
        logger.info("NACHA file cut", metadata: ["file": "\(fileName)", "entries": "\(file.entries.count)", "batches": "\(file.batches.count)"])
        return true
    }

    /// The attempts that reinitiate a returned entry (Nacha §2.12.4, company entry description
    /// `RETRY PYMT`): the installment's previous attempt was an ACH debit to the same account,
    /// returned R01 or R09. A later attempt after any other return, a card attempt or a new
    /// account is a new entry, not a reinitiation.
    private func reinitiatedPayments(_ payments: [PaymentRecord], _ database: PostgresConnection) throws -> Set<String> {
        var reinitiated: Set<String> = []
        for payment in payments where payment.attempt > 1 {
            guard let ach = payment.ach,
                  let previous = try PaymentStore.attempts(policyID: payment.policyID, entryNumber: payment.entryNumber, database)
                      .filter({ $0.attempt < payment.attempt }).max(by: { $0.attempt < $1.attempt }),
                  previous.rail == .ach, previous.status == .returned, let previousACH = previous.ach,
                  let code = try database.query("SELECT failure_code FROM collector.payments WHERE payment_id = $1", [previous.paymentID]).first?["failure_code"],
                  ["ach_return_R01", "ach_return_R09"].contains(code),
                  previous.paymentMethod?["routing_number"] == payment.paymentMethod?["routing_number"],
                  try settings.encryption.open(previousACH.accountCiphertext) == settings.encryption.open(ach.accountCiphertext)
            else { continue }
            reinitiated.insert(payment.paymentID)
        }
        return reinitiated
    }

    /// The stored masked method with the sealed account number put back.
    private func unmasked(_ method: JSONValue, _ ach: PaymentRecord.ACHDetails) throws -> JSONValue {
        try SealedPaymentMethod(masked: method, accountCiphertext: ach.accountCiphertext).unsealed(with: settings.encryption)
    }

    /// Writes every file not yet on disk: to a temporary name, then renamed, so the outbound folder
    /// never shows half a file.
    private func writePendingFiles(_ database: PostgresConnection, logger: Logger) throws {
        let rows = try database.query("SELECT id, file_name, content_ciphertext FROM collector.ach_files WHERE written_at IS NULL ORDER BY id")
        guard !rows.isEmpty else { return }
        let folder = URL(fileURLWithPath: settings.achOutboundDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for row in rows {
            let fileName: String = try row.decode("file_name")
            let content = try settings.encryption.open(try row.decode("content_ciphertext"))
            let temporary = folder.appendingPathComponent(".\(fileName).partial")
            try Data(content.utf8).write(to: temporary)
            guard rename(temporary.path, folder.appendingPathComponent(fileName).path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path, NSLocalizedDescriptionKey: "rename failed: errno \(errno)"])
            }
            try database.query("UPDATE collector.ach_files SET written_at = now() WHERE id = $1", [try row.decode("id", as: Int64.self)])
            logger.info("NACHA file written", metadata: ["path": "\(folder.appendingPathComponent(fileName).path)"])
        }
    }

    private static func timeOfDay() -> String {
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        return String(format: "%02d%02d", components.hour ?? 0, components.minute ?? 0)
    }
}
