import Crypto
import Foundation

/// Seals bank account numbers (and NACHA files, which hold them) with AES-GCM before they are
/// stored. The stored text is `v1:` + base64 of nonce, ciphertext and tag.
public struct AccountCipher: Sendable {
    // Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let keyBytes: Data

    init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw CipherError("AES-GCM produced no combined form") }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ stored: String) throws -> String {
        guard stored.hasPrefix("v1:"), let combined = Data(base64Encoded: String(stored.dropFirst(3))) else {
            throw CipherError("stored ciphertext is not in the v1 format")
        }
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw CipherError("cannot decrypt: wrong COVERPAY_ENCRYPTION_KEY or damaged data")
        }
    }
}

public struct CipherError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
