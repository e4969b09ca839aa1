import CoverPayCore
import Fleet
import Foundation

/// The collector's own settings, read once per process from the environment (besides the fleet's):
/// the encryption key, the rule files, the ACH outbound folder and originator, timings.
public struct CollectorSettings: Sendable {
    public let databaseURL: String
    public let schemasDirectory: String
    public let encryption: AccountCipher
    /// `COVERPAY_ACH_OUTBOUND_DIR`, default `.local/ach/outbound` (relative to the working directory).
    public let achOutboundDirectory: String
    public let originator: NACHAOriginator
    /// How long the oldest unfiled debit waits for others before a file is cut (`COVERPAY_ACH_FILE_WINDOW_MS`).
    public let achFileWindowMilliseconds: Int
    /// A card attempt left `pending` or `unknown` this long is resolved by a status query (`COVERPAY_CARD_RESOLVE_AFTER_MS`).
    public let cardResolveAfterMilliseconds: Int
    /// Card requests (charges and status queries) one replica has at the processors at once
    /// (`COVERPAY_COLLECTOR_CARD_INFLIGHT`, default `defaultCardInFlight`): what hides a processor's latency.
    public let cardInFlight: Int
    public static let defaultCardInFlight = 64
    let sandboxCard: SandboxCardSettings

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func milliseconds(_ name: String, default fallback: Int) throws -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), number >= 0 else {
                throw CollectorConfigurationError(variable: name, problem: "'\(text)' is not a whole number of milliseconds")
            }
            return number
        }
        let fleet = try FleetConfiguration(worker: "collector", environment: environment)
        databaseURL = fleet.databaseURL
        schemasDirectory = fleet.schemasDirectory
        encryption = try AccountKeyring.load(environment: environment)
        achOutboundDirectory = value("COVERPAY_ACH_OUTBOUND_DIR") ?? ".local/ach/outbound"
        originator = try ACHOriginatorSettings.load(environment: environment)
        achFileWindowMilliseconds = try milliseconds("COVERPAY_ACH_FILE_WINDOW_MS", default: 2_000)
        cardResolveAfterMilliseconds = try milliseconds("COVERPAY_CARD_RESOLVE_AFTER_MS", default: 5_000)
        cardInFlight = try value("COVERPAY_COLLECTOR_CARD_INFLIGHT").map { text in
            guard let count = Int(text), (1...1024).contains(count) else {
                throw CollectorConfigurationError(variable: "COVERPAY_COLLECTOR_CARD_INFLIGHT", problem: "'\(text)' is not a whole number in 1...1024")
            }
            return count
        } ?? Self.defaultCardInFlight
        sandboxCard = try SandboxCardSettings(environment: environment)
    }

    /// The process-wide settings; `CollectorWorker.checkEnvironment()` loads them at start so that a
    /// missing key stops the worker with one clear line instead of failing the first message.
    public static let current: Result<CollectorSettings, any Error> = Result { try CollectorSettings() }

    static func load() throws -> CollectorSettings { try current.get() }
}
