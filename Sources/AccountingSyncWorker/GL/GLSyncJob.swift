import Fleet
import Logging
import Postgres

/// Runs `GLSync` passes in the accounting-sync worker. Sync is off while `COVERPAY_QBO_REALM_ID`
/// is unset; a bad setting is recorded as the sync's error (and shown by `coverpay gl sync status`)
/// rather than stopping the worker's other work.
public struct GLSyncJob: ScheduledJob {
    public let name = "gl-sync"
    let cache = QBOAccessTokenCache()

    public init() {}

    public func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        let settings: GLSyncSettings
        do throws(QBOError) {
            guard let loaded = try GLSyncSettings.load() else { return 0 }
            settings = loaded
        } catch {
            try GLSyncStore(database: database).recordError(code: error.code.rawValue, message: error.message, retriable: false)
            return 0
        }
        switch try GLSync(settings: settings, cache: cache, worker: worker).runPass(database: database, logger: logger) {
        case .synced(let count): return count
        case .busy, .paused: return 0
        }
    }
}
