import Postgres

/// Reads back a NACHA file as written, from its sealed copy (for `coverpay ach files show --raw`
/// and tests: the outbound folder may belong to another host or replica).
public enum ACHFileStore {
    public static func text(file: String, _ database: PostgresConnection) throws -> String? {
        guard let row = try database.query(
            "SELECT content_ciphertext FROM collector.ach_files WHERE file_name = $1 OR id::text = $1", [file]
        ).first else { return nil }
        return try CollectorSettings.load().encryption.open(try row.decode("content_ciphertext"))
    }
}
