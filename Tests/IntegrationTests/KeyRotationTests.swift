import CollectorWorker
import CoverPayCore
import Foundation
import Testing

extension CollectorSuites {
@Suite("Collector: account key rotation", .serialized)
struct KeyRotation {
    init() throws { try LiveServices.isolate() }

    static let newKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    /// The keyring after the new key arrived: the old (`legacy`, the development key here) still opens.
    static let rotatedKeyring = ["COVERPAY_ACCOUNT_KEYS": "k2:\(newKey)", "COVERPAY_ACCOUNT_KEY_ID": "k2"]

    /// docs/security.md: accounts sealed under the old key; a collector restarted with the new key
    /// active charges ACH installments while `coverpay keys rotate` re-encrypts in small batches;
    /// no payment fails, every value ends under the new key and opens with the new key alone.
    @Test("coverpay keys rotate while the collector charges ACH: every account still decrypts, no payment fails")
    func rotationUnderLoad() async throws {
        let accounts = ["123456789", "987654321", "000123456789", "5550101", "44001234"]
        let policies = (0..<30).map { (Events.uniqueID("rot"), accounts[$0 % accounts.count]) }
        let outbound = CollectorFixture.temporaryOutbound()
        let before = try WorkerProcess("collector", environment: CollectorFixture.environment(outbound: outbound))
        try await before.waitUntilReady()
        for (policy, account) in policies {
            try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.bankAccount(account: account)))
        }
        for (policy, _) in policies { try await CollectorFixture.known(policy) }
        _ = try await before.terminate()
        let ids = "{\(policies.map(\.0).joined(separator: ","))}"
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.policies WHERE policy_id = ANY($1::text[]) AND account_ciphertext LIKE 'v2:legacy:%'", [ids]) == 30)

        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment(outbound: outbound).merging(Self.rotatedKeyring) { $1 })
        try await collector.waitUntilReady()
        for (policy, _) in policies {
            for entry in 1...2 {
                try LiveServices.publish(CollectorFixture.due(policy: policy, entry: entry, amount: "10\(entry).00", scheduleDate: entry == 1 ? "2099-02-02" : "2099-03-02"))
            }
        }
        // While the collector works through the 60 debits and cuts files.
        let rotation = try LiveServices.coverpay(["keys", "rotate", "--batch", "3"], environment: Self.rotatedKeyring)
        #expect(rotation.status == 0, "\(rotation.stdout)\n\(rotation.stderr)")
        try await LiveServices.eventually("all 60 debits in a written NACHA file", timeout: .seconds(60)) {
            try LiveServices.count(
                "SELECT count(*) AS n FROM collector.payments p JOIN collector.ach_files f ON f.id = p.ach_file_id WHERE p.policy_id = ANY($1::text[]) AND f.written_at IS NOT NULL",
                [ids]
            ) == 60
        }
        // Resumable and idempotent: a second run finds whatever the first left (values a worker held) and nothing else.
        let again = try LiveServices.coverpay(["keys", "rotate", "--json"], environment: Self.rotatedKeyring)
        #expect(again.status == 0, "\(again.stderr)")

        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id = ANY($1::text[]) AND status <> 'pending'", [ids]) == 0)
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.payments WHERE policy_id = ANY($1::text[])", [ids]) == 60)
        #expect(!collector.log.contains("cannot decrypt") && !collector.log.contains("not in the keyring"), "\(collector.log.suffix(2000))")
        let status = try JSONValue.parse(Array(try LiveServices.coverpay(["keys", "status", "--json"], environment: Self.rotatedKeyring).stdout.utf8))
        let underOld = status["sealed"]?.arrayValue?.filter { $0["key_id"]?.stringValue != "k2" } ?? []
        #expect(underOld.isEmpty, "values still under an old key: \(underOld)")

        // The new key alone (no development key: production mode) opens every stored value.
        let newOnly = try CollectorSettings(environment: LiveServices.baseEnvironment.merging(["COVERPAY_ENVIRONMENT": "production", "COVERPAY_ACCOUNT_KEYS": "k2:\(Self.newKey)"]) { $1 }).encryption
        let database = try LiveServices.database()
        for row in try database.query("SELECT policy_id, account_ciphertext FROM collector.policies WHERE policy_id = ANY($1::text[])", [ids]) {
            let expected = policies.first { $0.0 == row["policy_id"] }?.1
            #expect(try newOnly.open(try row.decode("account_ciphertext")) == expected)
        }
        for row in try database.query("SELECT account_ciphertext FROM collector.payments WHERE policy_id = ANY($1::text[])", [ids]) {
            #expect(accounts.contains(try newOnly.open(try row.decode("account_ciphertext"))))
        }
        for row in try database.query("SELECT content_ciphertext FROM collector.ach_files") {
            #expect(try newOnly.open(try row.decode("content_ciphertext")).hasPrefix("101"))
        }
        _ = try await collector.terminate()

        // Back under the development key, for the suites and the chaos run that follow (their workers have no k2).
        let back = try LiveServices.coverpay(["keys", "rotate"], environment: Self.rotatedKeyring.merging(["COVERPAY_ACCOUNT_KEY_ID": "legacy"]) { $1 })
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try LiveServices.count("SELECT count(*) AS n FROM collector.policies WHERE account_ciphertext LIKE 'v2:k2:%'") == 0)
    }

    @Test("the keyring: v1 values open under legacy, a missing key is named, an unknown active id is refused")
    func keyring() throws {
        let legacyOnly = try CollectorSettings(environment: LiveServices.baseEnvironment).encryption
        #expect(legacyOnly.activeKeyID == "legacy")
        let sealed = try legacyOnly.seal("000123456789")
        #expect(sealed.hasPrefix("v2:legacy:"))
        // A value from before key ids: `v1:` + the same payload.
        #expect(try legacyOnly.open("v1:" + sealed.dropFirst("v2:legacy:".count)) == "000123456789")
        let rotated = try CollectorSettings(environment: LiveServices.baseEnvironment.merging(Self.rotatedKeyring) { $1 }).encryption
        #expect(try rotated.open(sealed) == "000123456789")
        #expect(try rotated.seal("x").hasPrefix("v2:k2:"))
        #expect(throws: CipherError.self) { try legacyOnly.open(try rotated.seal("000123456789")) }
        #expect(throws: CollectorConfigurationError.self) {
            _ = try CollectorSettings(environment: LiveServices.baseEnvironment.merging(["COVERPAY_ACCOUNT_KEYS": "k2:\(Self.newKey)", "COVERPAY_ACCOUNT_KEY_ID": "k9"]) { $1 })
        }
        let keyFile = LiveServices.scratchFolder("secrets").appendingPathComponent("account-keys")
        try Data("k3:\(Self.newKey)\n".utf8).write(to: keyFile)
        let fromFile = try CollectorSettings(environment: LiveServices.baseEnvironment.merging(["COVERPAY_ACCOUNT_KEYS_FILE": keyFile.path]) { $1 }).encryption
        #expect(fromFile.activeKeyID == "k3" && fromFile.keyIDs == ["k3", "legacy"])
    }
}
}
