import Crypto
import Fleet
import Foundation

/// The AES-256 keys for bank account numbers at rest (docs/security.md), read from the environment
/// (each variable also as `_FILE`):
///
/// - `COVERPAY_ACCOUNT_KEYS`: the keyring, `id:base64,id:base64` (ids of letters, digits, `-`, `_`;
///   each key base64 of 32 random bytes, e.g. `openssl rand -base64 32`);
/// - `COVERPAY_ACCOUNT_KEY_ID`: the key new values are sealed under; may be left out when the
///   keyring has a single key;
/// - `COVERPAY_ENCRYPTION_KEY`: the key from before key ids, id `legacy`, which values stored as
///   `v1:` were sealed under. Without it, a development key derived from a fixed, published phrase
///   is `legacy` — unless `COVERPAY_ENVIRONMENT=production`, where there is no development key.
///
/// Rotation (`coverpay keys rotate`): add the new key to every worker's keyring, make it the active
/// one, re-encrypt, and only then remove the old key; until then both open.
enum AccountKeyring {
    /// Public on purpose (docs/collection.md): it protects nothing, it only keeps local data encrypted.
    static let developmentPhrase = "coverpay-development-encryption-key"

    static func load(environment: [String: String]) throws -> AccountCipher {
        let reader = EnvironmentReader(environment)
        func value(_ name: String) throws -> String? {
            do { return try reader.value(name) } catch { throw CollectorConfigurationError(variable: error.variable, problem: error.problem) }
        }
        var keys: [String: SymmetricKey] = [:]
        if let text = try value("COVERPAY_ENCRYPTION_KEY") {
            keys[AccountCipher.legacyKeyID] = try decode(text, source: "COVERPAY_ENCRYPTION_KEY")
        } else if try value("COVERPAY_ENVIRONMENT") != "production" {
            keys[AccountCipher.legacyKeyID] = SymmetricKey(data: SHA256.hash(data: Data(developmentPhrase.utf8)))
        }
        var ringIDs: [String] = []
        for member in try value("COVERPAY_ACCOUNT_KEYS")?.split(separator: ",") ?? [] {
            let parts = member.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, AccountCipher.isValidKeyID(parts[0]) else {
                throw CollectorConfigurationError(variable: "COVERPAY_ACCOUNT_KEYS", problem: "each member must be id:base64 with an id of letters, digits, - or _")
            }
            guard !ringIDs.contains(parts[0]) else {
                throw CollectorConfigurationError(variable: "COVERPAY_ACCOUNT_KEYS", problem: "key id '\(parts[0])' appears twice")
            }
            ringIDs.append(parts[0])
            keys[parts[0]] = try decode(parts[1], source: "COVERPAY_ACCOUNT_KEYS (key '\(parts[0])')")
        }
        let active: String
        if let id = try value("COVERPAY_ACCOUNT_KEY_ID") {
            guard keys[id] != nil else {
                throw CollectorConfigurationError(variable: "COVERPAY_ACCOUNT_KEY_ID", problem: "'\(id)' is not a key of COVERPAY_ACCOUNT_KEYS (ids: \(keys.keys.sorted().joined(separator: ", ")))")
            }
            active = id
        } else if ringIDs.count == 1 {
            active = ringIDs[0]
        } else if ringIDs.isEmpty, keys[AccountCipher.legacyKeyID] != nil {
            active = AccountCipher.legacyKeyID
        } else if ringIDs.isEmpty {
            throw CollectorConfigurationError(
                variable: "COVERPAY_ACCOUNT_KEYS",
                problem: "no encryption key in production; set COVERPAY_ACCOUNT_KEYS (id:base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or COVERPAY_ENCRYPTION_KEY, or their _FILE variants"
            )
        } else {
            throw CollectorConfigurationError(variable: "COVERPAY_ACCOUNT_KEY_ID", problem: "the keyring has \(ringIDs.count) keys; name the active one")
        }
        return AccountCipher(keys: keys, activeKeyID: active)
    }

    private static func decode(_ text: String, source: String) throws -> SymmetricKey {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CollectorConfigurationError(variable: source, problem: "is not base64")
        }
        guard bytes.count == 32 else {
            throw CollectorConfigurationError(variable: source, problem: "decodes to \(bytes.count) bytes; AES-256 needs 32")
        }
        return SymmetricKey(data: bytes)
    }
}
