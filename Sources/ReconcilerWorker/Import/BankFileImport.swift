import CoverPayCore
import Crypto
import Fleet
import Foundation
import Postgres

/// Imports one bank or processor file: a NACHA return file, a BAI2 statement or a processor
/// settlement CSV (told apart by their first line). Used by the inbound-folder job and by
/// `coverpay recon import`, so both behave the same.
///
/// 1. The content's SHA-256 is computed; a transaction starts and takes an advisory lock on it, so
///    two replicas (or a replica and the CLI) holding the same file import it one after the other.
/// 2. A file whose hash is already in reconciler.files was imported before (under any name): the
///    transaction ends with nothing written and the outcome says so.
/// 3. The whole file is parsed strictly; any fault throws `BankFileError` (file, line, reason)
///    before anything is written, so a malformed file leaves no trace.
/// 4. The file row and one row per line are inserted; each line is matched (`Matcher`), which
///    updates expected items and enqueues payment.* / recon.exception events in the outbox.
/// 5. Commit: the file, its lines, their matches and their events exist together or not at all.
///    A crash before the commit leaves nothing (the next attempt imports the file); after it, the
///    file is known by its hash (the next attempt skips it).
public enum BankFileImport {
    public enum Outcome: Equatable, Sendable {
        case imported(fileID: Int64, kind: String, lines: Int)
        /// Seen before: the earlier import's id and name.
        case skipped(fileID: Int64, firstName: String)
    }

    public static func importFile(name: String, content: String, database: PostgresConnection, importer: String) throws -> Outcome {
        let hash = SHA256.hash(data: Data(content.utf8)).map { String(format: "%02x", $0) }.joined()
        return try database.transaction { database -> Outcome in
            try database.query("SELECT pg_advisory_xact_lock(hashtextextended('reconciler.file:' || $1, 0))", [hash])
            if let seen = try database.query("SELECT id, file_name FROM reconciler.files WHERE content_sha256 = $1", [hash]).first {
                return .skipped(fileID: try seen.decode("id"), firstName: try seen.decode("file_name"))
            }
            let parsed = try ParsedBankFile(name: name, content: content)
            let today = try BusinessClock.today(database)
            let fileID: Int64 = try database.query(
                """
                INSERT INTO reconciler.files (file_name, kind, content_sha256, business_date, line_count, total_cents, imported_by)
                VALUES ($1, $2, $3, $4::date, $5, $6, $7) RETURNING id
                """,
                [name, parsed.kind, hash, today, parsed.lines.count, parsed.lines.reduce(Int64(0)) { $0 + $1.amount.cents }, importer]
            )[0].decode("id")
            try MatchLocks.lock(parsed.lines.map(\.reference), database)
            let matcher = Matcher(database: database, traceID: "recon-file-\(fileID)")
            for line in parsed.lines {
                let itemID: Int64 = try database.query(
                    """
                    INSERT INTO reconciler.items (file_id, kind, reference, amount_cents, fee_cents, item_date, detail)
                    VALUES ($1, $2, $3, $4, $5, $6::date, $7::jsonb) RETURNING id
                    """,
                    [fileID, line.kind, line.reference, line.amount.cents, line.fee.cents, line.date.description, line.detail.serialized()]
                )[0].decode("id")
                try matcher.match(itemID: itemID)
            }
            return .imported(fileID: fileID, kind: parsed.kind, lines: parsed.lines.count)
        }
    }
}

/// A file read into the lines the reconciler stores, whatever its format.
public struct ParsedBankFile {
    public struct Line {
        public var kind: String
        public var reference: String
        public var amount: Money
        public var fee: Money = .zero
        public var date: CalendarDate
        public var detail: JSONValue
    }

    public var kind: String
    public var lines: [Line]

    public init(name: String, content: String) throws(BankFileError) {
        let firstLine = content.prefix { $0 != "\n" && $0 != "\r" }
        if firstLine.hasPrefix("01,") {
            kind = "bai2"
            let file = try BAI2File.parse(content, fileName: name)
            lines = file.groups.flatMap { group in
                group.accounts.flatMap { account in
                    account.transactions.map { transaction in
                        Line(
                            kind: "deposit", reference: transaction.customerReference.trimmingCharacters(in: .whitespaces),
                            amount: transaction.isCredit ? transaction.amount : -transaction.amount, date: group.asOfDate,
                            detail: .object([
                                "type_code": .string(transaction.typeCode), "bank_reference": .string(transaction.bankReference),
                                "text": .string(transaction.text), "account": .string(account.accountNumber),
                            ])
                        )
                    }
                }
            }
        } else if firstLine.hasPrefix(ProcessorSettlementFile.columns[0]) {
            kind = "settlement_csv"
            lines = try ProcessorSettlementFile.parse(content, fileName: name).map { line in
                Line(kind: line.kind.rawValue, reference: line.processorReference, amount: line.amount, fee: line.fee, date: line.settledOn, detail: .object([:]))
            }
        } else if firstLine.hasPrefix("1"), firstLine.utf8.count == NACHAFile.recordLength {
            kind = "nacha_return"
            let file = try NACHABankFile.parse(content, fileName: name)
            lines = file.returns.map { entry in
                Line(
                    kind: "return", reference: entry.originalTraceNumber, amount: entry.amount, date: entry.effectiveEntryDate,
                    detail: .object([
                        "return_code": .string(entry.returnCode.rawValue), "return_trace": .string(entry.returnTraceNumber),
                        "date_of_death": entry.dateOfDeath.map { .string($0.description) } ?? .null,
                        "information": .string(entry.addendaInformation),
                    ])
                )
            } + file.notificationsOfChange.map { notice in
                Line(
                    kind: "notification_of_change", reference: notice.originalTraceNumber, amount: .zero, date: file.createdOn,
                    detail: .object(["change_code": .string(notice.changeCode), "corrected_data": .string(notice.correctedData)])
                )
            }
        } else {
            throw BankFileError(file: name, line: 1, "not a NACHA return file, a BAI2 statement or a settlement CSV (first line '\(firstLine.prefix(20))')")
        }
    }
}
