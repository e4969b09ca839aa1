import AMQP
import Fleet
import Foundation
import Postgres

/// Every place a running fleet keeps or writes text that must never hold a card or bank account
/// number: each text, varchar, json and jsonb column of every schema of the database, every dead
/// letter (body and headers, peeked and kept), the log files and the bank files given. `visit` hands
/// each piece of text to the caller with where it was found; the fuzz run looks in it for the card
/// numbers it planted, the leak scan for any card or account number.
public struct TextCorpus {
    /// Where a piece of text was found: `source` is what a finding is grouped by (a column, a
    /// dead-letter queue, a file), `detail` says where inside it (a row, a message, a line).
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public let source: String
        public let detail: String
        public var description: String { "\(source) (\(detail))" }
    }

    /// How much was read, so that a report shows the scan looked where it says it did.
    public struct Counts: Sendable {
        public var columns = 0
        public var rows = 0
        public var deadLetters = 0
        public var logFiles = 0
        public var logLines = 0
        public var bankFiles = 0
    }

    let database: PostgresConnection?
    let broker: AMQPConnection?
    let deadLetterQueues: [String]
    let files: LocalFiles

    public init(database: PostgresConnection?, broker: AMQPConnection?, deadLetterQueues: [String], files: LocalFiles) {
        self.database = database
        self.broker = broker
        self.deadLetterQueues = deadLetterQueues
        self.files = files
    }

    @discardableResult
    public func visit(_ body: (Location, String) throws -> Void) throws -> Counts {
        var counts = Counts()
        if let database { try visitColumns(database, &counts, body) }
        if let broker { try visitDeadLetters(broker, &counts, body) }
        for file in files.logs {
            counts.logFiles += 1
            counts.logLines += try visitLines(of: file, body)
        }
        for file in files.bankFiles {
            counts.bankFiles += 1
            try visitLines(of: file, body)
        }
        return counts
    }

    private func visitColumns(_ database: PostgresConnection, _ counts: inout Counts, _ body: (Location, String) throws -> Void) throws {
        // From the catalog, not information_schema: that lists only the columns the login may read,
        // so a table without a grant would be skipped in silence instead of refused below.
        let columns = try database.query(
            """
            SELECT n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
              AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'json'::regtype, 'jsonb'::regtype)
            ORDER BY 1, 2, 3
            """
        )
        for column in columns {
            let (schema, table, name): (String, String, String) = (try column.decode("table_schema"), try column.decode("table_name"), try column.decode("column_name"))
            let source = "\(schema).\(table).\(name)"
            let rows = try values(of: name, in: schema, table, database)
            counts.columns += 1
            counts.rows += rows.count
            for row in rows {
                try body(Location(source: source, detail: "row \(row["row"] ?? "?")"), row["value"] ?? "")
            }
        }
    }

    private func values(of column: String, in schema: String, _ table: String, _ database: PostgresConnection) throws -> [PostgresRow] {
        do {
            return try database.query(
                "SELECT ctid::text AS row, \(quoted(column))::text AS value FROM \(quoted(schema)).\(quoted(table)) WHERE \(quoted(column)) IS NOT NULL"
            )
        } catch {
            if error.sqlState == "42501" { throw UnreadableTable(table: "\(schema).\(table)") }
            throw error
        }
    }

    private func visitDeadLetters(_ broker: AMQPConnection, _ counts: inout Counts, _ body: (Location, String) throws -> Void) throws {
        let browser = DeadLetterBrowser(connection: broker)
        for queue in deadLetterQueues {
            try browser.browse(queue) { letter in
                counts.deadLetters += 1
                let message = letter.delivery.message
                try body(Location(source: queue, detail: "message \(letter.id), body"), String(decoding: message.body, as: UTF8.self))
                for (name, value) in message.headers.sorted(by: { $0.key < $1.key }) {
                    try body(Location(source: queue, detail: "message \(letter.id), header \(name)"), value.description)
                }
                return .keep
            }
        }
    }

    @discardableResult
    private func visitLines(of file: URL, _ body: (Location, String) throws -> Void) throws -> Int {
        guard let data = FileManager.default.contents(atPath: file.path) else { return 0 }
        var number = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            try body(Location(source: file.path, detail: "line \(number)"), String(line))
        }
        return number
    }

    private func quoted(_ identifier: String) -> String { "\"\(identifier.replacingOccurrences(of: "\"", with: "\"\""))\"" }
}

/// A table the scanning login may not read: the scan cannot vouch for it, so it stops.
public struct UnreadableTable: Error, CustomStringConvertible {
    public let table: String
    public var description: String {
        "cannot read \(table) (permission denied): scan as a login that may read every table, the migration owner (COVERPAY_MIGRATION_DATABASE_URL)"
    }
}
