import CoverPayCore
import Fleet
import Foundation
import Logging
import Postgres

/// Watches the inbound folder, as a bank's SFTP drop would fill it. Every file there is imported
/// (`BankFileImport`: once, by content hash, whichever replica gets there first) and then moved to
/// `imported/` (a NACHA file with its account numbers cut to the last four digits), or to `rejected/` with a `.reason` file beside it when it is malformed. A crash
/// between the import's commit and the move leaves the file in place; the next scan finds its
/// hash already imported and only moves it. Files dropped while no reconciler ran are simply there
/// at the first scan.
struct InboundFolderJob: ScheduledJob {
    let name = "recon-inbound"
    let settings: ReconcilerSettings

    func runOnce(database: PostgresConnection, worker: String, logger: Logger) throws -> Int {
        let folder = URL(fileURLWithPath: settings.inboundDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var handled = 0
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: path.path)
            else { continue } // another replica moved it away
            do {
                let content = String(decoding: data, as: UTF8.self)
                let outcome = try BankFileImport.importFile(name: name, content: content, database: database, importer: worker)
                logger.info("bank file", metadata: ["file": "\(name)", "outcome": "\(outcome)"])
                if let masked = NACHAAccountMasking.masked(content) {
                    archive(path, as: masked, in: folder.appendingPathComponent("imported"))
                } else {
                    move(path, to: folder.appendingPathComponent("imported"))
                }
            } catch let error as BankFileError {
                logger.error("bank file rejected", metadata: ["file": "\(name)", "reason": "\(error)"])
                let rejected = folder.appendingPathComponent("rejected")
                move(path, to: rejected)
                try? Data("\(error)\n".utf8).write(to: rejected.appendingPathComponent(name + ".reason"))
            }
            handled += 1
        }
        return handled
    }

    /// A NACHA file is archived with its account numbers cut to the last four digits
    /// (`NACHAAccountMasking`): written under a temporary name, renamed, then the original removed.
    /// A crash in between leaves the original in the inbound folder; the next scan finds its hash
    /// imported and archives it again.
    private func archive(_ file: URL, as masked: String, in folder: URL) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).partial")
        guard (try? Data(masked.utf8).write(to: temporary)) != nil,
              rename(temporary.path, folder.appendingPathComponent(file.lastPathComponent).path) == 0 else { return }
        unlink(file.path)
    }

    /// rename(2) replaces a file of the same name; it fails harmlessly when another replica moved
    /// the file first.
    private func move(_ file: URL, to folder: URL) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = rename(file.path, folder.appendingPathComponent(file.lastPathComponent).path)
    }
}
