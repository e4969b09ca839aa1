import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A worker executable started by a test, on its own HTTP port, with its output in a log file.
final class WorkerProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let logFile: URL
    private let process = Process()

    private static let nextPort = PortCounter()

    init(_ name: String, environment extra: [String: String] = [:], logDirectory: URL = LiveServices.scratchFolder("logs")) throws {
        self.name = name
        port = Self.nextPort.next()
        logFile = logDirectory.appendingPathComponent("coverpay-test-\(name)-\(port).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = LiveServices.binaries.appendingPathComponent(name)
        // Its own login only: no other worker's, the owner's or the sandbox bank's URL.
        var environment = LiveServices.baseEnvironment.filter { name, _ in
            !LiveServices.workerNames.contains { name.hasPrefix(LiveServices.loginVariablePrefix(of: $0) + "_") }
                && name != "COVERPAY_MIGRATION_DATABASE_URL" && name != "COVERPAY_SANDBOX_DATABASE_URL"
        }
        (environment["COVERPAY_DATABASE_URL"], environment["COVERPAY_AMQP_URL"]) = LiveServices.workerURLs(name)
        environment["COVERPAY_HTTP_PORT"] = "\(port)"
        environment["COVERPAY_WORKER_ID"] = "\(name)-test-\(port)"
        environment["COVERPAY_SCAN_INTERVAL_MS"] = "100"
        process.environment = environment.merging(extra) { $1 }
        process.currentDirectoryURL = LiveServices.repositoryRoot
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) }
    }

    var isRunning: Bool { process.isRunning }
    var terminationStatus: Int32 { process.terminationStatus }
    var terminationReason: Process.TerminationReason { process.terminationReason }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until `/health/ready` answers 200.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw FleetTestError("\(name) exited (\(process.terminationStatus)) before ready:\n\(log)") }
            if await status(of: "/health/ready") == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FleetTestError("\(name) not ready within \(timeout):\n\(log)")
    }

    func status(of path: String) async -> Int? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        return try? await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: url) { _, response, error in
                if let error { continuation.resume(throwing: error) } else {
                    continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
                }
            }.resume()
        }
    }

    func body(of path: String) async -> String {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"),
              let (data, _) = try? await URLSession.shared.data(from: url) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// SIGTERM, then waits for the exit; returns how long it took.
    @discardableResult
    func terminate(timeout: Duration = .seconds(15)) async throws -> Duration {
        let started = ContinuousClock.now
        process.terminate()
        try await waitForExit(timeout: timeout)
        return ContinuousClock.now - started
    }

    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        try await waitForExit(timeout: .seconds(10))
    }

    func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw FleetTestError("\(name) still running after \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Hands out HTTP ports for test workers: above the local fleet's 19100 range, below Linux's
/// ephemeral range (32768 and up, where the tests' own outgoing connections take their local
/// ports), and only ports nothing holds right now.
private final class PortCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 20_000 + Int(getpid() % 500) * 20

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        repeat { port += 1 } while !Self.isFree(port)
        return port
    }

    /// Whether a listener could bind the port on every IPv4 address now, as the worker will.
    private static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return true }
        defer { close(socket) }
        var reuse: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
