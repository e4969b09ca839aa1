import Foundation

/// The log and bank files under some folders: `*.log` are logs; NACHA (`*.ach`, `*.nacha`), BAI2
/// (`*.bai`, `*.bai2`), settlement and ledger exports (`*.csv`, `*.iif`) are bank files. Folders in
/// `excluding` are skipped with everything below them, files in it are skipped (the ACH outbound folder: NACHA files going
/// to the bank must carry full account numbers). Symbolic links are not followed, so the service
/// data folders that `.local/` links to are not walked.
public struct LocalFiles: Sendable {
    public static let logExtensions: Set<String> = ["log"]
    public static let bankFileExtensions: Set<String> = ["ach", "nacha", "bai", "bai2", "csv", "iif"]

    public var logs: [URL] = []
    public var bankFiles: [URL] = []

    public init(logs: [URL] = [], bankFiles: [URL] = []) {
        self.logs = logs
        self.bankFiles = bankFiles
    }

    public init(under roots: [String], excluding: [String] = []) {
        let skipped = Set(excluding.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        for root in roots {
            walk(URL(fileURLWithPath: root).standardizedFileURL, skipping: skipped)
        }
        logs.sort { $0.path < $1.path }
        bankFiles.sort { $0.path < $1.path }
    }

    private mutating func walk(_ folder: URL, skipping skipped: Set<String>) {
        guard !skipped.contains(folder.path),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names.sorted() {
            let url = folder.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  let type = attributes[.type] as? FileAttributeType else { continue }
            if type == .typeDirectory {
                walk(url, skipping: skipped)
            } else if type == .typeRegular, !skipped.contains(url.path) {
                let suffix = url.pathExtension.lowercased()
                if Self.logExtensions.contains(suffix) { logs.append(url) }
                if Self.bankFileExtensions.contains(suffix) { bankFiles.append(url) }
            }
        }
    }
}
