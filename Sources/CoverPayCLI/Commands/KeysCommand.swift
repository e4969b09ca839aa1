import ArgumentParser
import CollectorWorker
import CoverPayCore
import Foundation

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The keys that seal bank account numbers and NACHA files at rest (docs/security.md).",
        subcommands: [Status.self, Rotate.self]
    )

    static func cipher() throws -> AccountCipher {
        do { return try CollectorSettings.current.get().encryption } catch { throw CLIError("\(error)") }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The keyring, the active key, and how many stored values each key seals.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let cipher = try KeysCommand.cipher()
            let counts = try AccountKeyRotation(database: try CLIEnvironment().database(), cipher: cipher, batchSize: 1).status()
            if json {
                return Output.json(.object([
                    "active_key_id": .string(cipher.activeKeyID), "key_ids": .array(cipher.keyIDs.map(JSONValue.string)),
                    "sealed": .array(counts.map { .object(["column": .string($0.column), "key_id": .string($0.keyID), "values": .number(String($0.values))]) }),
                ]))
            }
            print("active key: \(cipher.activeKeyID); keyring: \(cipher.keyIDs.joined(separator: ", "))")
            Output.table(["COLUMN", "KEY", "VALUES"], counts.map { [$0.column, $0.keyID + ($0.keyID == cipher.activeKeyID ? " (active)" : ""), String($0.values)] })
            let old = counts.filter { $0.keyID != cipher.activeKeyID }.reduce(0) { $0 + $1.values }
            print(old == 0 ? "every value is under the active key: older keys may leave the keyring" : "\(old) values under older keys: run `coverpay keys rotate`")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored value under the active key, online, in batches (resumable: run again after a stop).",
            discussion: """
                First give every worker and this command the new key in COVERPAY_ACCOUNT_KEYS, with COVERPAY_ACCOUNT_KEY_ID \
                naming it, and restart the collectors; keep the old key in the keyring until `coverpay keys status` shows \
                nothing under it.
                """
        )
        @Option(help: "Values per transaction.") var batch = 200
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be 1...10000") }
        }

        func run() throws {
            let cipher = try KeysCommand.cipher()
            let rotation = AccountKeyRotation(database: try CLIEnvironment().database(), cipher: cipher, batchSize: batch)
            let rotated = try rotation.run { if !json { print($0) } }
            if json {
                return Output.json(.object([
                    "active_key_id": .string(cipher.activeKeyID),
                    "rotated": .object(rotated.mapValues { .number(String($0)) }),
                ]))
            }
            print("keys rotate: \(rotated.values.reduce(0, +)) values re-encrypted under '\(cipher.activeKeyID)'")
        }
    }
}
