import Crypto
import Fleet
import Foundation

/// The AES-256 key for bank account numbers at rest: `COVERPAY_ENCRYPTION_KEY` (base64 of 32 bytes)
/// or `COVERPAY_ENCRYPTION_KEY_FILE` (a file holding that base64 text). With neither, a
/// development key derived from a fixed, published phrase is used — unless
/// `COVERPAY_ENVIRONMENT=production`, where starting without a key is an error.
enum EncryptionKey {
    /// Public on purpose (docs/collection.md): it protects nothing, it only keeps local data encrypted.
    static let developmentPhrase = "coverpay-development-encryption-key"

    static func load(environment: [String: String]) throws -> SymmetricKey {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let text = value("COVERPAY_ENCRYPTION_KEY") {
            return try decode(text, source: "COVERPAY_ENCRYPTION_KEY")
        }
        if let path = value("COVERPAY_ENCRYPTION_KEY_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CollectorConfigurationError(variable: "COVERPAY_ENCRYPTION_KEY_FILE", problem: "cannot read \(path)")
            }
            return try decode(String(decoding: data, as: UTF8.self), source: "COVERPAY_ENCRYPTION_KEY_FILE (\(path))")
        }
        guard value("COVERPAY_ENVIRONMENT") != "production" else {
            throw CollectorConfigurationError(
                variable: "COVERPAY_ENCRYPTION_KEY",
                problem: "no encryption key in production; set COVERPAY_ENCRYPTION_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or COVERPAY_ENCRYPTION_KEY_FILE"
            )
        }
        return SymmetricKey(data: SHA256.hash(data: Data(developmentPhrase.utf8)))
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
