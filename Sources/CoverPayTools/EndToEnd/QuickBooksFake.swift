import CoverPayCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The project's fake QuickBooks Online (tests/python/fake_qbo.py, docs/gl-sync.md) on a free
/// loopback port, for an end-to-end run: the fleet's GL sync is pointed at it, and afterwards it
/// says which JournalEntries it received.
final class QuickBooksFake: @unchecked Sendable {
    static let realm = "9130350000000e2e"
    static let clientID = "e2e-client"
    static let clientSecret = "e2e-secret"
    /// The default chart's accounts (migration 007); carrier sub-accounts use their parent's mapping.
    static let chart = ["1010", "1020", "1030", "1035", "2010", "2020", "2060", "2070", "2080", "2090", "4010", "4020", "4030", "5010"]

    private let process = Process()
    private let refreshToken = "e2e-refresh-\(UUID().uuidString)"
    let port: Int

    init(repositoryRoot: URL) throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-fake-qbo-\(UUID().uuidString).port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("tests/python/fake_qbo.py").path,
            "--realm", Self.realm, "--client-id", Self.clientID, "--client-secret", Self.clientSecret,
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
        process.terminate()
        throw ToolError("the fake QuickBooks server (tests/python/fake_qbo.py) did not start")
    }

    /// SIGKILL: the fake keeps nothing worth a clean exit, and a child of this process may have
    /// SIGTERM blocked (it outlived `terminate()` in the first runs).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The GL sync's settings (docs/gl-sync.md) for this fake: every account mapped, no pacing.
    var environment: [String: String] {
        let base = "http://127.0.0.1:\(port)"
        let map = JSONValue.object(Dictionary(uniqueKeysWithValues: Self.chart.map { ($0, JSONValue.string("qbo-\($0)")) })).serialized()
        return [
            "COVERPAY_QBO_REALM_ID": Self.realm, "COVERPAY_QBO_BASE_URL": base, "COVERPAY_QBO_TOKEN_URL": "\(base)/oauth2/v1/tokens/bearer",
            "COVERPAY_QBO_CLIENT_ID": Self.clientID, "COVERPAY_QBO_CLIENT_SECRET": Self.clientSecret,
            "COVERPAY_QBO_REFRESH_TOKEN": refreshToken, "COVERPAY_QBO_ACCOUNT_MAP": map, "COVERPAY_QBO_MODE": "detailed",
            "COVERPAY_QBO_BATCH_SIZE": "30", "COVERPAY_QBO_MIN_INTERVAL_MS": "0", "COVERPAY_QBO_BACKOFF_MS": "50",
            "COVERPAY_QBO_PAUSE_AFTER_ERROR_MS": "2000",
        ]
    }

    /// How many JournalEntries the fake created per `DocNumber` (`CP-<ledger entry id>`).
    func receivedDocuments() throws -> [String: Int] {
        let url = URL(string: "http://127.0.0.1:\(port)/_fake/state")!
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: url) { data, _, error in
            answer.data = data
            answer.error = error
            done.signal()
        }.resume()
        done.wait()
        guard let data = answer.data else { throw ToolError("the fake QuickBooks server did not answer: \(answer.error.map { "\($0)" } ?? "no data")") }
        var counts: [String: Int] = [:]
        for entry in try JSONValue.parse(Array(data))["journal_entries"]?.arrayValue ?? [] {
            counts[entry["DocNumber"]?.stringValue ?? "?", default: 0] += 1
        }
        return counts
    }

    private final class Answer: @unchecked Sendable {
        var data: Data?
        var error: Error?
    }
}
