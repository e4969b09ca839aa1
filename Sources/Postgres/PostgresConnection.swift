import Foundation
import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. libpq is blocking; a connection belongs to one thread at a time.
/// Only parameterised statements are offered, so values never reach SQL text.
public final class PostgresConnection {
    public let configuration: PostgresConfiguration
    private let connection: OpaquePointer
    /// Statements prepared on this connection, by SQL text: each is parsed and analysed once per
    /// connection instead of once per call (about a quarter of the server's CPU for short statements).
    private var preparedStatements: [String: String] = [:]
    /// Beyond this many distinct statements (e.g. SQL built from CLI filters) the rest run unprepared.
    private static let preparedStatementLimit = 256

    public init(_ configuration: PostgresConfiguration) throws(PostgresError) {
        self.configuration = configuration
        guard let connection = PQconnectdb(configuration.url) else {
            throw PostgresError(.connectionFailed, "out of memory")
        }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            // deinit runs on this throw too (every property is set) and calls PQfinish.
            let reason = configuration.scrub(Self.trimmed(PQerrorMessage(connection)))
            throw PostgresError(.connectionFailed, "cannot connect to \(configuration): \(reason)")
        }
        // Server notices ("already exists, skipping") are not errors; keep them off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    public convenience init(url: String) throws(PostgresError) {
        try self.init(PostgresConfiguration(url: url))
    }

    deinit { PQfinish(connection) }

    public var isConnected: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Re-establishes a lost connection; throws while the server is still unreachable.
    public func reconnect() throws(PostgresError) {
        PQreset(connection)
        preparedStatements.removeAll()  // they lived in the old server session
        guard isConnected else {
            throw PostgresError(.connectionFailed, "cannot reconnect to \(configuration): \(errorText)")
        }
    }

    /// Runs one parameterised statement (`$1`, `$2`, …) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws(PostgresError) -> [PostgresRow] {
        let texts: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0.postgresText) } }
        defer { texts.forEach { free($0) } }
        let name = try preparedName(for: sql)
        let result = texts.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                if let name {
                    PQexecPrepared(connection, name, Int32(values.count), values.baseAddress, nil, nil, 0)
                } else {
                    PQexecParams(connection, sql, Int32(values.count), nil, values.baseAddress, nil, nil, 0)
                }
            }
        }
        return try rows(from: result, statement: sql)
    }

    /// The name `sql` is prepared under on this connection, preparing it on first use; nil once the
    /// connection holds `preparedStatementLimit` statements.
    private func preparedName(for sql: String) throws(PostgresError) -> String? {
        if let name = preparedStatements[sql] { return name }
        guard preparedStatements.count < Self.preparedStatementLimit else { return nil }
        let name = "coverpay_\(preparedStatements.count + 1)"
        try rows(from: PQprepare(connection, name, sql, 0, nil), statement: sql)
        preparedStatements[sql] = name
        return name
    }

    /// Runs SQL text holding several statements and no parameters (migrations).
    public func execute(script: String) throws(PostgresError) {
        try rows(from: PQexec(connection, script), statement: script)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body(self)
            try query("COMMIT")
            return value
        } catch {
            if isConnected { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    @discardableResult
    private func rows(from result: OpaquePointer?, statement: String) throws(PostgresError) -> [PostgresRow] {
        guard let result else {
            throw PostgresError(.connectionLost, "no result for '\(Self.summary(statement))': \(errorText)")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            guard isConnected else {
                throw PostgresError(.connectionLost, "connection lost during '\(Self.summary(statement))': \(errorText)")
            }
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.trimmed(PQresultErrorMessage(result))
            throw PostgresError(.statementFailed, sqlState: sqlState, "\(message) (in '\(Self.summary(statement))')")
        }
        let columnCount = Int(PQnfields(result))
        var columns: [String: Int] = [:]
        for column in 0..<columnCount { columns[String(cString: PQfname(result, Int32(column)))] = column }
        return (0..<Int(PQntuples(result))).map { row in
            PostgresRow(columns: columns, values: (0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
    }

    private var errorText: String { configuration.scrub(Self.trimmed(PQerrorMessage(connection))) }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\n").joined(separator: "; ")
    }

    /// The statement's first line, shortened, so errors say which statement failed without dumping it.
    private static func summary(_ statement: String) -> String {
        let firstLine = statement.split(separator: "\n").first.map(String.init) ?? statement
        let compact = firstLine.trimmingCharacters(in: .whitespaces)
        return compact.count > 80 ? String(compact.prefix(77)) + "..." : compact
    }
}
