import Crypto
import Foundation

/// Seals bank account numbers (and NACHA files, which hold them) with AES-GCM before they are
/// stored. The stored text names its key: `v2:<key id>:` + base64 of nonce, ciphertext and tag.
/// Values stored before key ids, `v1:` + base64, were sealed under the key called `legacy`
/// (`AccountKeyring`), and still open.
public struct AccountCipher: Sendable {
    public static let legacyKeyID = "legacy"

    // Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let keys: [String: Data]
    /// The key new values are sealed under.
    public let activeKeyID: String

    init(keys: [String: SymmetricKey], activeKeyID: String) {
        precondition(keys[activeKeyID] != nil, "the active key is in the keyring")
        self.keys = keys.mapValues { key in key.withUnsafeBytes { Data($0) } }
        self.activeKeyID = activeKeyID
    }

    public var keyIDs: [String] { keys.keys.sorted() }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: SymmetricKey(data: keys[activeKeyID]!))
        guard let combined = box.combined else { throw CipherError("AES-GCM produced no combined form") }
        return "v2:\(activeKeyID):" + combined.base64EncodedString()
    }

    public func open(_ stored: String) throws -> String {
        guard let (keyID, payload) = Self.parts(of: stored), let combined = Data(base64Encoded: String(payload)) else {
            throw CipherError("stored ciphertext is in neither the v1 nor the v2 format")
        }
        guard let key = keys[keyID] else {
            throw CipherError("sealed under key '\(keyID)', which is not in the keyring (COVERPAY_ACCOUNT_KEYS has \(keyIDs.joined(separator: ", ")))")
        }
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: SymmetricKey(data: key))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw CipherError("cannot decrypt with key '\(keyID)': wrong key or damaged data")
        }
    }

    /// The id of the key a stored value was sealed under (`legacy` for `v1:` values).
    public static func keyID(of stored: String) -> String? { parts(of: stored)?.keyID }

    static func isValidKeyID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    private static func parts(of stored: String) -> (keyID: String, payload: Substring)? {
        if stored.hasPrefix("v1:") { return (legacyKeyID, stored.dropFirst(3)) }
        guard stored.hasPrefix("v2:") else { return nil }
        let rest = stored.dropFirst(3)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let id = String(rest[..<colon])
        return isValidKeyID(id) ? (id, rest[rest.index(after: colon)...]) : nil
    }
}

public struct CipherError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
