import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Sends the ledger's journal entries to QuickBooks Online, each exactly once, none skipped
/// (docs/gl-sync.md). The cursor is not a high-water mark but a queue: `gl.pending_entries` gets a
/// row from a trigger in the very transaction that posts the entry, so an entry is pending exactly
/// when it is committed, whatever order concurrent postings commit in; it leaves the queue in the
/// transaction that records QuickBooks' answer. One pass:
///
/// 1. Take the session lock `coverpay.gl_sync` (one sender across replicas and the CLI; a dead
///    process's lock dies with its connection). Held by another: do nothing.
/// 2. If a batch is `sending` (sent, unanswered: the previous sender crashed or gave up), go to 4
///    with it unchanged.
/// 3. Compose and commit, before any call: the next pending entries (ledger order) become
///    JournalEntry documents, stored with a new `requestid` and the exact body in `gl.batches`;
///    the entries point at the batch. An entry with an unmapped account ends the batch there and
///    is recorded as the error; it and everything after it stay pending.
/// 4. Pace (Intuit: 40 batch requests a minute), commit the send's time, then POST the stored body
///    with the stored `requestid`; 429 / 5xx / no answer are retried with the same requestid and
///    a backoff, then left for the next pass.
/// 5. In one transaction: created documents' entries move to `gl.synced_entries` and leave the
///    queue; faulted ones return to the queue; the batch is `answered`; `gl.synced` is written to
///    the outbox; the outcome goes to `gl.sync_state`.
///
/// A crash between 3 and 4, during 4 or between 4 and 5 leaves a `sending` batch: the next pass
/// resends the same body under the same requestid, and QuickBooks answers a requestid it has seen
/// with its first answer instead of creating again — so an entry reaches QuickBooks once whether
/// the first send never arrived, arrived and was applied, or was applied and its answer lost.
/// A crash before 3 commits or after 5 commits leaves nothing half done. Every document also
/// carries DocNumber `CP-<entry id>`, so an operator can check QuickBooks against the ledger.
public struct GLSync {
    public enum Outcome: Equatable, Sendable {
        /// Another process holds the sync lock.
        case busy
        /// A recorded error that needs a person is recent; the job waits (`gl sync run` does not).
        case paused
        /// This many entries reached QuickBooks (0: nothing pending, or an error, see `gl.sync_state`).
        case synced(Int)
    }

    let settings: GLSyncSettings
    let cache: QBOAccessTokenCache
    let worker: String

    public init(settings: GLSyncSettings, cache: QBOAccessTokenCache = QBOAccessTokenCache(), worker: String = "accounting-sync") {
        self.settings = settings
        self.cache = cache
        self.worker = worker
    }

    /// A pass for the CLI, logging warnings and worse only.
    public func runPass(database: PostgresConnection, ignoringPause: Bool) throws -> Outcome {
        var logger = Logger(label: "coverpay.gl-sync")
        logger.logLevel = .warning
        return try runPass(database: database, ignoringPause: ignoringPause, logger: logger)
    }

    public func runPass(database: PostgresConnection, ignoringPause: Bool = false, logger: Logger) throws -> Outcome {
        let store = GLSyncStore(database: database)
        guard try store.tryLock() else { return .busy }
        defer { try? store.unlock() }
        if !ignoringPause, try store.isPaused(settings.pauseAfterError) { return .paused }

        var mappingError: GLMappingError?
        let batch: GLSyncStore.Batch
        if let unanswered = try store.unansweredBatch() {
            logger.notice("resending an unanswered QuickBooks batch under its requestid", metadata: ["batch_id": "\(unanswered.batchID)"])
            batch = unanswered
        } else {
            let composed: GLSyncStore.Batch? = try database.transaction { database in
                let store = GLSyncStore(database: database)
                // A daily summary reads a few days' entries; detailed mode one batch's worth.
                let entries = try store.pendingEntries(mode: settings.mode, limit: settings.mode == .detailed ? settings.batchSize : 5_000)
                let composition = GLComposer.compose(entries, mode: settings.mode, mapping: settings.mapping, limit: settings.batchSize)
                mappingError = composition.stoppedBy
                guard !composition.documents.isEmpty else { return nil }
                return try store.insertBatch(composition.documents, realmID: settings.realmID, mode: settings.mode)
            }
            guard let composed else {
                if let mappingError { try record(mappingError, store, logger) }
                return .synced(0)
            }
            batch = composed
        }

        var results: [String: Result<String, QBOError>] = [:]
        if batch.documents.values.contains(where: \.sent) {
            let wait = try store.claimSendSlot(batchID: batch.batchID, interval: settings.minimumInterval)
            if wait > .zero { Thread.sleep(forTimeInterval: QBOClient.seconds(wait)) }
            let client = QBOClient(settings: settings, cache: cache, refreshTokens: StoredRefreshTokens(database: database, configured: settings.refreshToken))
            defer { client.close() }
            do throws(QBOError) {
                results = try client.createJournalEntries(batchBody: batch.body, requestID: batch.requestID)
            } catch where error.provesNothingApplied {
                // Refused as a whole (a Fault status, no authorization): nothing was created, so the
                // batch is closed and its entries recomposed next time, e.g. with a corrected mapping.
                results = Dictionary(uniqueKeysWithValues: batch.documents.keys.map { ($0, .failure(error)) })
            } catch {
                // Outcome unknown: the batch stays `sending` and the next pass resends it under the same requestid.
                try store.recordError(code: error.code.rawValue, message: "batch \(batch.batchID): \(error.message)", retriable: error.isRetriable)
                logger.warning("QuickBooks batch not answered", metadata: ["batch_id": "\(batch.batchID)", "error": "\(error)"])
                return .synced(0)
            }
        }

        let synced: Int = try database.transaction { database in
            let store = GLSyncStore(database: database)
            let answer = try store.recordAnswer(batch, results: results)
            if let fault = answer.fault {
                try store.recordError(code: fault.code.rawValue, message: fault.message, retriable: fault.isRetriable)
            } else if let mappingError {
                try store.recordError(code: mappingError.code, message: mappingError.description, retriable: false)
            } else {
                try store.clearError()
            }
            if let through = answer.synced.max() {
                let context = HandlerContext(database: database, worker: worker, traceID: UUID().uuidString.lowercased(), logger: logger)
                try context.emit(type: "coverpay.gl.synced", subject: nil, data: .object([
                    "target": .string("quickbooks"), "realm_id": .string(settings.realmID), "mode": .string(settings.mode.rawValue),
                    "entries": .number(String(answer.synced.count)), "through_entry_id": .number(String(through)),
                    "batch": .number(String(batch.batchID)), "request_id": .string(batch.requestID),
                ]))
            }
            if let fault = answer.fault { logger.error("QuickBooks refused a journal entry", metadata: ["error": "\(fault)"]) }
            return answer.synced.count
        }
        if synced > 0 { logger.info("journal entries synced to QuickBooks", metadata: ["entries": "\(synced)", "batch_id": "\(batch.batchID)"]) }
        return .synced(synced)
    }

    private func record(_ error: GLMappingError, _ store: GLSyncStore, _ logger: Logger) throws {
        try store.recordError(code: error.code, message: error.description, retriable: false)
        logger.error("general-ledger sync stopped", metadata: ["error": "\(error)"])
    }
}
