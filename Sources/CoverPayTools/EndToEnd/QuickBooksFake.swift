import CoverPayCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The project's fake QuickBooks Online (tests/python/fake_qbo.py, docs/gl-sync.md) on a free
/// loopback port: the batch and token endpoints, recording what they receive. The GL sync tests and
/// `coverpay e2e` point accounting-sync at it and then ask it what it received.
public final class QuickBooksFake: @unchecked Sendable {
    /// The default chart's accounts (migration 007); carrier sub-accounts use their parent's mapping.
    public static let chart = ["1010", "1020", "1030", "1035", "1040", "2010", "2020", "2060", "2070", "2080", "2090", "4010", "4020", "4030", "5010"]

    public let realm: String
    public let clientID: String
    public let clientSecret: String
    public let refreshToken: String
    public let port: Int
    private let process = Process()

    public init(repositoryRoot: URL, realm: String, clientID: String, clientSecret: String, refreshToken: String) throws {
        (self.realm, self.clientID, self.clientSecret, self.refreshToken) = (realm, clientID, clientSecret, refreshToken)
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-qbo-\(UUID().uuidString).port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("tests/python/fake_qbo.py").path,
            "--realm", realm, "--client-id", clientID, "--client-secret", clientSecret,
            "--refresh-token", refreshToken, "--port-file", portFile.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let number = Int(text) {
                port = number
                try? FileManager.default.removeItem(at: portFile)
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        throw ToolError("the fake QuickBooks server (tests/python/fake_qbo.py) did not start")
    }

    deinit { stop() }

    /// SIGKILL: the fake keeps nothing worth a clean exit, and a child of a Swift process may have
    /// SIGTERM blocked (it outlived `terminate()` in the first end-to-end runs).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The GL sync's settings (docs/gl-sync.md) for this fake: realm, endpoints, credentials and the
    /// account map (ledger account → QuickBooks account id, each named "QBO <id>").
    public func settings(accountMap: [String: String]) -> [String: String] {
        let map = JSONValue.object(accountMap.mapValues { .object(["id": .string($0), "name": .string("QBO \($0)")]) }).serialized()
        return [
            "COVERPAY_QBO_REALM_ID": realm, "COVERPAY_QBO_BASE_URL": baseURL, "COVERPAY_QBO_TOKEN_URL": "\(baseURL)/oauth2/v1/tokens/bearer",
            "COVERPAY_QBO_CLIENT_ID": clientID, "COVERPAY_QBO_CLIENT_SECRET": clientSecret,
            "COVERPAY_QBO_REFRESH_TOKEN": refreshToken, "COVERPAY_QBO_ACCOUNT_MAP": map,
        ]
    }

    /// One request to the fake: a GET without a body, a POST with one; its JSON answer.
    public func call(_ path: String, body: String? = nil) throws -> JSONValue {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.timeoutInterval = 10
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            done.signal()
        }.resume()
        done.wait()
        guard let result else { throw ToolError("the fake QuickBooks server did not answer \(path)") }
        return try JSONValue.parse(Array(result))
    }

    /// What it received: `requests`, `journal_entries`, `token_grants`.
    public func state() throws -> JSONValue { try call("/_fake/state") }

    /// How many JournalEntries it created per `DocNumber` (`CP-<ledger entry id>` in detailed mode).
    public func documentsByNumber() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in try state()["journal_entries"]?.arrayValue ?? [] {
            counts[entry["DocNumber"]?.stringValue ?? "?", default: 0] += 1
        }
        return counts
    }
}
