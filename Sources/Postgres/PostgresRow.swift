/// One result row, read by column name.
public struct PostgresRow: Sendable {
    let columns: [String: Int]
    let values: [String?]

    /// The raw text of a column, nil for SQL NULL.
    public subscript(column: String) -> String? {
        guard let index = columns[column] else { return nil }
        return values[index]
    }

    /// A non-null column decoded as `T`; the error names the column and the text found.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard let index = columns[column] else { throw PostgresError(.decodingFailed, "no column '\(column)' in the result") }
        guard let text = values[index] else { throw PostgresError(.decodingFailed, "column '\(column)' is NULL") }
        guard let value = T(postgresText: text) else {
            throw PostgresError(.decodingFailed, "column '\(column)' holds '\(text)', not a \(T.self)")
        }
        return value
    }

    /// A nullable column decoded as `T`.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T? {
        guard self[column] != nil else { return nil }
        return try decode(column, as: type)
    }
}
