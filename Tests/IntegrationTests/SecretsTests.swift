import AMQP
import CoverPayCore
import Foundation
import Postgres
import Testing

extension FleetTests {
    /// Secrets from files, never shown (docs/security.md): the URLs, the account key and the
    /// QuickBooks credentials reach the workers and the CLI only as `_FILE`s; after traffic, a dead
    /// letter and error paths (a wrong database password, a wrong broker password, an unreachable
    /// QuickBooks token endpoint), no secret is in a log, `coverpay status`, a `/metrics` page, a
    /// dead letter or an error message.
    @Test("secrets given as _FILE never appear in logs, errors, coverpay status, /metrics or dead letters")
    func secretsStayUnseen() async throws {
        let folder = LiveServices.scratchFolder("secrets-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        func secretFile(_ name: String, _ value: String) throws -> String {
            let file = folder.appendingPathComponent(name)
            try Data((value + "\n").utf8).write(to: file)
            return file.path
        }
        let accountKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let qboSecret = "qbo-secret-\(UUID().uuidString)", qboRefresh = "qbo-refresh-\(UUID().uuidString)"
        let wrongPG = "pgWrong\(UInt32.random(in: 1_000_000...9_999_999))", wrongAMQP = "amqpWrong\(UInt32.random(in: 1_000_000...9_999_999))"
        let files: [String: String] = [
            "COVERPAY_DATABASE_URL_FILE": try secretFile("database-url", LiveServices.databaseURL),
            "COVERPAY_AMQP_URL_FILE": try secretFile("amqp-url", LiveServices.amqpURL),
            "COVERPAY_ACCOUNT_KEYS_FILE": try secretFile("account-keys", "s1:\(accountKey)"),
            "COVERPAY_QBO_REALM_ID": "9130350000000099", "COVERPAY_QBO_CLIENT_ID": "client-id",
            "COVERPAY_QBO_CLIENT_SECRET_FILE": try secretFile("qbo-secret", qboSecret),
            "COVERPAY_QBO_REFRESH_TOKEN_FILE": try secretFile("qbo-refresh", qboRefresh),
            // Nothing listens there: every token refresh fails, an error path that names the endpoint.
            "COVERPAY_QBO_BASE_URL": "http://127.0.0.1:9", "COVERPAY_QBO_TOKEN_URL": "http://127.0.0.1:9/token",
            "COVERPAY_QBO_ACCOUNT_MAP": JSONValue.object(Dictionary(uniqueKeysWithValues: GLSyncFixtures.chart.map {
                ($0, JSONValue.object(["id": .string("qbo-\($0)"), "name": .string("QBO \($0)")]))
            })).serialized(),
            "COVERPAY_QBO_BACKOFF_MS": "10", "COVERPAY_QBO_MAX_ATTEMPTS": "1", "COVERPAY_QBO_MIN_INTERVAL_MS": "0",
            "COVERPAY_QBO_PAUSE_AFTER_ERROR_MS": "0",
        ]
        // The plain variables removed: only the files carry the URLs.
        var environment = files
        environment["COVERPAY_DATABASE_URL"] = ""
        environment["COVERPAY_AMQP_URL"] = ""
        // The local services' own password is the word `coverpay`, also the user, database and
        // product name: the URLs stand for it, and the two wrong passwords are what errors could echo.
        let secrets = [LiveServices.databaseURL, LiveServices.amqpURL, accountKey, qboSecret, qboRefresh, wrongPG, wrongAMQP]

        let workers = try ["scheduler", "collector", "accounting-sync"].map { try WorkerProcess($0, environment: environment.merging(CollectorFixture.environment()) { $1 }) }
        for worker in workers { try await worker.waitUntilReady() }
        let policy = Events.uniqueID("secret")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.bankAccount(account: "987654321")))
        try await CollectorFixture.known(policy)
        try LiveServices.publish(CollectorFixture.due(policy: policy, entry: 1, amount: "100.00"))
        try LiveServices.publishRaw(Array(#"{"specversion":"1.0","type":"coverpay.installment.due","id":"secret-bad"}"#.utf8), routingKey: "coverpay.installment.due", messageID: "secret-bad-\(policy)")
        try await LiveServices.eventually("the debit is recorded") { try CollectorFixture.status(policy: policy) == "pending" }
        // A card payment posts to the ledger, so accounting-sync tries QuickBooks and fails to get a token.
        let cardPolicy = Events.uniqueID("secret-card")
        try LiveServices.publish(CollectorFixture.issued(policy: cardPolicy, paymentMethod: CollectorFixture.card()))
        try await CollectorFixture.known(cardPolicy)
        try LiveServices.publish(CollectorFixture.due(policy: cardPolicy, entry: 1, amount: "80.00"))
        try await LiveServices.eventually("accounting-sync fails to get a QuickBooks token", timeout: .seconds(30)) {
            let status = try LiveServices.coverpay(["gl", "sync", "status", "--json"], environment: environment).stdout
            return (try? JSONValue.parse(Array(status.utf8)))?["last_error"]?["code"]?.stringValue.map { $0 != "mapping_missing" } == true
        }

        var seen: [(String, String)] = []
        let status = try LiveServices.coverpay(["status"], environment: environment)
        #expect(status.status == 0, "\(status.stderr)")
        seen.append(("coverpay status", status.stdout + status.stderr))
        let sync = try LiveServices.coverpay(["gl", "sync", "run"], environment: environment)
        seen.append(("coverpay gl sync run", sync.stdout + sync.stderr))
        let syncStatus = try LiveServices.coverpay(["gl", "sync", "status", "--json"], environment: environment)
        seen.append(("coverpay gl sync status", syncStatus.stdout + syncStatus.stderr))
        let letters = try LiveServices.coverpay(["dlq", "list", "--json"], environment: environment)
        seen.append(("coverpay dlq list", letters.stdout + letters.stderr))
        for id in (try? JSONValue.parse(Array(letters.stdout.utf8)))?.arrayValue?.compactMap({ $0["id"]?.stringValue }) ?? [] {
            let shown = try LiveServices.coverpay(["dlq", "show", "--id", id], environment: environment)
            seen.append(("dead letter \(id)", shown.stdout))
        }
        #expect(letters.stdout.contains("secret-bad-\(policy)"), "the malformed message is not dead-lettered: \(letters.stdout)")
        for worker in workers { seen.append(("\(worker.name) /metrics", await worker.body(of: "/metrics"))) }

        // Error paths: wrong passwords given as files, to the CLI and to a worker.
        let badDatabase = try LiveServices.coverpay(["status"], environment: environment.merging([
            "COVERPAY_DATABASE_URL_FILE": try secretFile("bad-database-url", LiveServices.databaseURL.replacing(/:[^:@\/]*@/, with: ":\(wrongPG)@")),
        ]) { $1 })
        #expect(badDatabase.status != 0)
        seen.append(("coverpay status with a wrong database password", badDatabase.stdout + badDatabase.stderr))
        let badBroker = try LiveServices.coverpay(["status"], environment: environment.merging([
            "COVERPAY_AMQP_URL_FILE": try secretFile("bad-amqp-url", LiveServices.amqpURL.replacing(/:[^:@\/]*@/, with: ":\(wrongAMQP)@")),
        ]) { $1 })
        #expect(badBroker.status != 0)
        seen.append(("coverpay status with a wrong broker password", badBroker.stdout + badBroker.stderr))
        let refused = try WorkerProcess("retrier", environment: environment.merging([
            "COVERPAY_DATABASE_URL_FILE": try secretFile("bad-database-url-2", LiveServices.databaseURL.replacing(/:[^:@\/]*@/, with: ":\(wrongPG)/x@")),
        ]) { $1 })
        await #expect(throws: (any Error).self) { try await refused.waitUntilReady(timeout: .seconds(5)) }
        if refused.isRunning { _ = try? await refused.terminate() }
        seen.append(("retrier refused by the database", refused.log))
        for worker in workers {
            _ = try await worker.terminate()
            seen.append(("\(worker.name) log", worker.log))
        }
        #expect(seen.contains { $0.1.contains("password authentication failed") } && seen.contains { $0.1.contains("ACCESS_REFUSED") }, "an error path was not exercised")
        for (place, text) in seen {
            for secret in secrets {
                #expect(!text.contains(secret), "a secret (\(secret.prefix(4))…) appears in \(place)")
            }
        }
    }
}
