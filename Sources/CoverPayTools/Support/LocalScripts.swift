import Foundation

/// The local service and fleet scripts (`Deploy/local/services`, `Deploy/local/fleet`), run the way
/// an operator runs them: with this process's environment, output kept for the error message.
struct LocalScripts: Sendable {
    let root: URL

    func services(_ arguments: [String]) throws {
        try run("Deploy/local/services", arguments)
    }

    func fleet(_ arguments: [String]) throws {
        try run("Deploy/local/fleet", arguments)
    }

    /// `kill -9` of the worker process `<worker>-<replica>` the fleet script started (its pid file).
    func kill9(worker id: String) {
        guard let pid = FleetProcesses(root: root).pid(of: id) else { return }
        kill(pid, SIGKILL)
    }

    private func run(_ script: String, _ arguments: [String]) throws {
        // Through the shell with output to a file: a daemon the script starts (postgres) keeps any
        // pipe open, and Foundation's Process would wait for it.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("coverpay-script-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let command = ([root.appendingPathComponent(script).path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let status = system("\(command) >'\(log.path)' 2>&1 </dev/null")
        guard status == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ToolError("\(script) \(arguments.joined(separator: " ")) failed: \(output.suffix(600))")
        }
    }
}
