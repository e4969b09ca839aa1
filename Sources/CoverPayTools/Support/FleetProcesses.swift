import Foundation

/// The worker processes the fleet script started (`.local/run/<worker>-<replica>.pid`), as the
/// kernel sees them: resident memory and environment from `/proc`. Linux only.
public struct FleetProcesses: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// Live `<worker>-<replica>` ids and their pids, sorted by id.
    public func running() -> [(id: String, pid: Int32)] {
        let directory = root.appendingPathComponent(".local/run")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".pid") }.sorted().compactMap { file in
            let id = String(file.dropLast(".pid".count))
            guard let pid = pid(of: id), kill(pid, 0) == 0 else { return nil }
            return (id, pid)
        }
    }

    public func pid(of id: String) -> Int32? {
        let file = root.appendingPathComponent(".local/run/\(id).pid")
        return (try? String(contentsOf: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Resident set size in bytes (`VmRSS`), nil when the process is gone.
    public static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// The environment the process was started with.
    public static func environment(_ pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var variables: [String: String] = [:]
        for entry in data.split(separator: 0) {
            guard let text = String(bytes: entry, encoding: .utf8), let equals = text.firstIndex(of: "=") else { continue }
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }
}
