import AccountingSyncWorker
import ArgumentParser
import CoverPayCore
import Foundation

/// `coverpay gl sync status|run`: the QuickBooks Online sync (docs/gl-sync.md).
struct GLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gl", abstract: "The general-ledger sync to QuickBooks Online.", subcommands: [Sync.self]
    )

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the QuickBooks sync's state, or run it now.", subcommands: [Status.self, Run.self], defaultSubcommand: Status.self
        )
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Realm, mode, last sync, entries pending and synced, last error.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let settings = try GLCommand.settings()
            let status = try GLSyncStatus.load(try CLIEnvironment().database())
            func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
            if json {
                let error: JSONValue = status.lastErrorCode == nil ? .null : .object([
                    "code": text(status.lastErrorCode), "message": text(status.lastError), "at": text(status.lastErrorAt),
                    "retriable": status.lastErrorRetriable.map(JSONValue.bool) ?? .null,
                ])
                return Output.json(.object([
                    "enabled": .bool(settings != nil), "realm_id": text(settings?.realmID), "mode": text(settings?.mode.rawValue),
                    "last_sync_at": text(status.lastSyncAt), "last_batch": status.lastBatchID.map { .number(String($0)) } ?? .null,
                    "pending": .number(String(status.pending)), "in_flight": .number(String(status.inFlight)),
                    "synced": .number(String(status.synced)), "last_error": error,
                ]))
            }
            print("QuickBooks Online sync: \(settings.map { "on, realm \($0.realmID), \($0.mode.rawValue) mode" } ?? "off (COVERPAY_QBO_REALM_ID is not set)")")
            print("last sync:   \(status.lastSyncAt ?? "never")\(status.lastBatchID.map { " (batch \($0))" } ?? "")")
            print("entries:     \(status.pending) pending (\(status.inFlight) in an unanswered batch), \(status.synced) synced")
            if let code = status.lastErrorCode {
                print("last error:  [\(code)] \(status.lastError ?? "") at \(status.lastErrorAt ?? "?")\(status.lastErrorRetriable == true ? " (retried automatically)" : "")")
            } else {
                print("last error:  none")
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync every pending journal entry now (ignores the pause after an error).")

        func run() throws {
            guard let settings = try GLCommand.settings() else {
                return print("QuickBooks Online sync is off (COVERPAY_QBO_REALM_ID is not set): nothing sent")
            }
            let database = try CLIEnvironment().database()
            let sync = GLSync(settings: settings, worker: AccountingSyncWorker.definition.name)
            var total = 0
            while true {
                switch try sync.runPass(database: database, ignoringPause: true) {
                case .busy: throw CLIError("another process is syncing right now; try again when it is done")
                case .paused: continue
                case .synced(let count):
                    total += count
                    guard count > 0 else {
                        let status = try GLSyncStatus.load(database)
                        print("\(total) journal entries synced to QuickBooks realm \(settings.realmID); \(status.pending) pending")
                        if let code = status.lastErrorCode, status.pending > 0 {
                            throw CLIError("sync stopped: [\(code)] \(status.lastError ?? "")")
                        }
                        return
                    }
                }
            }
        }
    }

    static func settings() throws -> GLSyncSettings? {
        do { return try GLSyncSettings.load() } catch { throw CLIError("\(error)") }
    }
}
