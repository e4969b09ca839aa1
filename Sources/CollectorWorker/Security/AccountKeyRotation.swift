import Foundation
import Postgres

/// `coverpay keys rotate` (docs/security.md): re-encrypts every sealed value — the bank account
/// numbers of policies and payments, and the NACHA files — under the keyring's active key, while
/// the fleet runs. Per batch, in one transaction:
///
/// 1. take up to `batchSize` rows of one column whose value is not under the active key,
///    `FOR UPDATE SKIP LOCKED`: a row the collector holds is left for a later batch, so rotation
///    never waits on the collector and cannot deadlock with its multi-row transactions;
/// 2. open each value with the key it names and seal it under the active key;
/// 3. write them back and commit.
///
/// A crash or Ctrl-C between batches leaves the committed batches rotated and the rest under their
/// old keys, which every worker still opens (the old key stays in the keyring until `keys status`
/// shows nothing under it): running the command again carries on where it stopped. The collector
/// seals new values under the active key once restarted with it, which is why the documented order
/// is keyring first, then rotation.
public struct AccountKeyRotation {
    public struct SealedColumn: Sendable {
        public let table: String
        public let key: String
        public let column: String
        public var name: String { "\(table).\(column)" }
    }

    public static let sealedColumns = [
        SealedColumn(table: "collector.policies", key: "policy_id", column: "account_ciphertext"),
        SealedColumn(table: "collector.payments", key: "payment_id", column: "account_ciphertext"),
        SealedColumn(table: "collector.ach_files", key: "id", column: "content_ciphertext"),
    ]

    let database: PostgresConnection
    let cipher: AccountCipher
    let batchSize: Int

    public init(database: PostgresConnection, cipher: AccountCipher, batchSize: Int) {
        self.database = database
        self.cipher = cipher
        self.batchSize = batchSize
    }

    /// How many stored values each key seals, per column.
    public func status() throws -> [(column: String, keyID: String, values: Int)] {
        try Self.sealedColumns.flatMap { sealed in
            try database.query(
                """
                SELECT CASE WHEN \(sealed.column) LIKE 'v1:%' THEN '\(AccountCipher.legacyKeyID)' ELSE split_part(\(sealed.column), ':', 2) END AS key_id,
                       count(*) AS n
                FROM \(sealed.table) WHERE \(sealed.column) IS NOT NULL GROUP BY 1 ORDER BY 1
                """
            ).map { (sealed.name, try $0.decode("key_id"), try $0.decode("n")) }
        }
    }

    /// Rotates every column; `progress` hears after each batch. Returns the values re-encrypted per column.
    public func run(progress: (String) -> Void) throws -> [String: Int] {
        var rotated: [String: Int] = [:]
        for sealed in Self.sealedColumns {
            rotated[sealed.name] = 0
            var idleRounds = 0
            while true {
                let count = try rotateBatch(sealed)
                rotated[sealed.name, default: 0] += count
                if count > 0 {
                    idleRounds = 0
                    progress("\(sealed.name): \(rotated[sealed.name]!) re-encrypted under '\(cipher.activeKeyID)'")
                    continue
                }
                // Nothing free to take: done, unless rows under an old key are held by a worker right now.
                guard try remaining(sealed) > 0 else { break }
                idleRounds += 1
                guard idleRounds < 600 else {
                    throw CipherError("\(sealed.name): values under an old key stayed locked for 60 s; run `coverpay keys rotate` again")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        return rotated
    }

    private var activePrefix: String { "v2:\(cipher.activeKeyID):" }

    private func remaining(_ sealed: SealedColumn) throws -> Int {
        try database.query(
            "SELECT count(*) AS n FROM \(sealed.table) WHERE \(sealed.column) IS NOT NULL AND left(\(sealed.column), $1) <> $2",
            [activePrefix.count, activePrefix]
        )[0].decode("n")
    }

    private func rotateBatch(_ sealed: SealedColumn) throws -> Int {
        try database.transaction { database in
            let rows = try database.query(
                """
                SELECT \(sealed.key)::text AS key, \(sealed.column) AS value FROM \(sealed.table)
                WHERE \(sealed.column) IS NOT NULL AND left(\(sealed.column), $1) <> $2
                ORDER BY \(sealed.key) LIMIT $3 FOR UPDATE SKIP LOCKED
                """,
                [activePrefix.count, activePrefix, batchSize]
            )
            for row in rows {
                let resealed = try cipher.seal(try cipher.open(try row.decode("value")))
                try database.query(
                    "UPDATE \(sealed.table) SET \(sealed.column) = $2 WHERE \(sealed.key)::text = $1", [try row.decode("key", as: String.self), resealed]
                )
            }
            return rows.count
        }
    }
}
