import CoverPayCore
import Fleet
import Foundation

/// The QuickBooks Online sync's settings (DESIGN §8, docs/gl-sync.md), read from the environment.
/// Sync is off while `COVERPAY_QBO_REALM_ID` is unset: `load` returns nil. Every secret may instead
/// come from a file named by the same variable with `_FILE` appended.
public struct GLSyncSettings: Sendable {
    public static let defaultBaseURL = "https://quickbooks.api.intuit.com"
    public static let defaultTokenURL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"

    public let realmID: String
    public let baseURL: String
    public let tokenURL: String
    public let clientID: String
    public let clientSecret: String
    public let refreshToken: String
    public let mode: GLSyncMode
    public let mapping: GLAccountMapping
    public let minorVersion: String
    /// JournalEntries per batch request: Intuit allows at most 30 BatchItemRequests and its
    /// current guide recommends 10 (`COVERPAY_QBO_BATCH_SIZE`, 1...30, default 10).
    public let batchSize: Int
    /// At least this long between two requests: Intuit allows 40 batch requests a minute per
    /// company, so 1.5 s by default (`COVERPAY_QBO_MIN_INTERVAL_MS`).
    public let minimumInterval: Duration
    /// First wait after a 429 without Retry-After, a 5xx or no answer; doubled each time, at most
    /// a minute (`COVERPAY_QBO_BACKOFF_MS`, default 1000).
    public let backoff: Duration
    /// Tries per request before the pass gives up and leaves the batch for the next pass (`COVERPAY_QBO_MAX_ATTEMPTS`, default 6).
    public let maxAttempts: Int
    /// How long one HTTP request may take (`COVERPAY_QBO_TIMEOUT_MS`, default 60000).
    public let timeout: Duration
    /// After an error that needs a person (a Fault, a missing mapping), the job waits this long
    /// before trying again (`COVERPAY_QBO_PAUSE_AFTER_ERROR_MS`, default 300000); `gl sync run` does not wait.
    public let pauseAfterError: Duration

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(QBOError) -> GLSyncSettings? {
        let reader = SettingsReader(environment: environment)
        guard let realmID = try reader.value("COVERPAY_QBO_REALM_ID") else { return nil }
        return try GLSyncSettings(realmID: realmID, reader)
    }

    private init(realmID: String, _ reader: SettingsReader) throws(QBOError) {
        self.realmID = realmID
        baseURL = try reader.value("COVERPAY_QBO_BASE_URL") ?? Self.defaultBaseURL
        tokenURL = try reader.value("COVERPAY_QBO_TOKEN_URL") ?? Self.defaultTokenURL
        clientID = try reader.required("COVERPAY_QBO_CLIENT_ID")
        clientSecret = try reader.required("COVERPAY_QBO_CLIENT_SECRET")
        refreshToken = try reader.required("COVERPAY_QBO_REFRESH_TOKEN")
        let modeText = try reader.value("COVERPAY_QBO_MODE") ?? GLSyncMode.detailed.rawValue
        guard let mode = GLSyncMode(rawValue: modeText) else {
            throw QBOError(.configuration, "COVERPAY_QBO_MODE: '\(modeText)' is not one of \(GLSyncMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.mode = mode
        do { mapping = try GLAccountMapping(json: try reader.value("COVERPAY_QBO_ACCOUNT_MAP") ?? "{}") } catch {
            throw QBOError(.configuration, "\(error)")
        }
        minorVersion = try reader.value("COVERPAY_QBO_MINOR_VERSION") ?? "75"
        batchSize = try reader.integer("COVERPAY_QBO_BATCH_SIZE", default: 10, range: 1...30)
        minimumInterval = .milliseconds(try reader.integer("COVERPAY_QBO_MIN_INTERVAL_MS", default: 1_500, range: 0...600_000))
        backoff = .milliseconds(try reader.integer("COVERPAY_QBO_BACKOFF_MS", default: 1_000, range: 1...60_000))
        maxAttempts = try reader.integer("COVERPAY_QBO_MAX_ATTEMPTS", default: 6, range: 1...50)
        timeout = .milliseconds(try reader.integer("COVERPAY_QBO_TIMEOUT_MS", default: 60_000, range: 100...600_000))
        pauseAfterError = .milliseconds(try reader.integer("COVERPAY_QBO_PAUSE_AFTER_ERROR_MS", default: 300_000, range: 0...86_400_000))
    }
}

/// The fleet's `EnvironmentReader` (`NAME` or the file `NAME_FILE` names) with QuickBooks errors.
/// Messages name the variable, never its value.
private struct SettingsReader {
    let environment: [String: String]

    func value(_ name: String) throws(QBOError) -> String? {
        do { return try EnvironmentReader(environment).value(name) } catch { throw QBOError(.configuration, error.description) }
    }

    func required(_ name: String) throws(QBOError) -> String {
        guard let text = try value(name) else {
            throw QBOError(.configuration, "\(name) (or \(name)_FILE) is required while COVERPAY_QBO_REALM_ID is set")
        }
        return text
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(QBOError) -> Int {
        guard let text = try value(name) else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw QBOError(.configuration, "\(name): '\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
