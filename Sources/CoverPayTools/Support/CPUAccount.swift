import Foundation

/// CPU time by who spent it, read from `/proc`: each fleet worker (its replicas summed),
/// PostgreSQL, RabbitMQ, pgbench, this CLI, and the machine as a whole. A bench that saturates the
/// cores is bound by the CPU; this says whose CPU each unit of work cost, so the bound is computed
/// from measurements rather than argued (docs/benchmarks.md). Linux only: elsewhere `sample` is nil.
public struct CPUAccount {
    public static let postgres = "PostgreSQL"
    public static let rabbitMQ = "RabbitMQ"
    public static let pgbench = "pgbench"
    public static let bench = "this CLI"

    private let ticksByGroup: [String: Int]
    private let machine: MachineCPU
    private let taken: ContinuousClock.Instant

    /// `fleet`: the worker processes (`<worker>-<replica>` ids) whose time is counted per worker.
    public static func sample(fleet: [(id: String, pid: Int32)] = []) -> CPUAccount? {
        guard let machine = MachineCPU.sample() else { return nil }
        var workers: [Int32: String] = [:]
        for process in fleet {
            // `collector-2` → `collector`: replicas are summed.
            let worker = process.id.split(separator: "-").dropLast().joined(separator: "-")
            workers[process.pid] = worker.isEmpty ? process.id : worker
        }
        let ownPID = getpid()
        var ticks: [String: Int] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let command = stat[stat.index(after: open)..<close]
            // After ") ": state is field 3; utime, stime, cutime and cstime are fields 14 to 17.
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 14, let own = Int(fields[11]).flatMap({ user in Int(fields[12]).map { user + $0 } }),
                  let children = Int(fields[13]).flatMap({ user in Int(fields[14]).map { user + $0 } })
            else { continue }
            if pid == ownPID {
                // This CLI's only children are the pgbench runs it waited for.
                ticks[bench, default: 0] += own
                ticks[pgbench, default: 0] += children
            } else if let group = workers[pid] ?? Self.group(ofCommand: command) {
                // The postmaster's children are the backends that have ended: pgbench's
                // connections end before a pgbench run's closing sample.
                ticks[group, default: 0] += own + (group == postgres ? children : 0)
            }
        }
        return CPUAccount(ticksByGroup: ticks, machine: machine, taken: .now)
    }

    private static func group(ofCommand command: Substring) -> String? {
        switch command {
        case "postgres": postgres
        case "beam.smp", "erl_child_setup", "epmd", "inet_gethost": rabbitMQ
        case "pgbench": pgbench
        default: nil
        }
    }

    /// What was spent from `earlier` to this sample. A process that ended in between is counted
    /// only in the machine's busy time, unless its parent was PostgreSQL's or this CLI.
    public func spent(since earlier: CPUAccount) -> CPUSpend {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        var seconds: [String: Double] = [:]
        for (group, ticks) in ticksByGroup where ticks > earlier.ticksByGroup[group] ?? 0 {
            seconds[group] = Double(ticks - (earlier.ticksByGroup[group] ?? 0)) / ticksPerSecond
        }
        return CPUSpend(
            secondsByGroup: seconds,
            busySeconds: Double(machine.busyTicks - earlier.machine.busyTicks) / ticksPerSecond,
            wallSeconds: (taken - earlier.taken) / .seconds(1)
        )
    }

    /// The calling thread's own CPU time, in seconds.
    public static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Runs `body` between two samples.
    public static func measure<T>(fleet: [(id: String, pid: Int32)] = [], _ body: () throws -> T) rethrows -> (T, CPUSpend?) {
        let before = sample(fleet: fleet)
        let result = try body()
        return (result, before.flatMap { before in sample(fleet: fleet)?.spent(since: before) })
    }
}

/// CPU seconds spent between two `CPUAccount` samples.
public struct CPUSpend {
    public init(secondsByGroup: [String: Double], busySeconds: Double, wallSeconds: Double) {
        self.secondsByGroup = secondsByGroup
        self.busySeconds = busySeconds
        self.wallSeconds = wallSeconds
    }

    public let secondsByGroup: [String: Double]
    /// Every core's busy time machine-wide, the kernel's and other processes' included.
    public let busySeconds: Double
    public let wallSeconds: Double

    public var busyCores: Double { wallSeconds > 0 ? busySeconds / wallSeconds : 0 }

    public func seconds(of group: String) -> Double { secondsByGroup[group] ?? 0 }

    /// A group's CPU per unit of work, in milliseconds.
    public func milliseconds(of group: String, per units: Int) -> Double { seconds(of: group) * 1000 / Double(units) }

    /// The machine's busy time per unit of work, in milliseconds.
    public func busyMilliseconds(per units: Int) -> Double { busySeconds * 1000 / Double(units) }

    /// The groups, largest first.
    public var groups: [(group: String, seconds: Double)] {
        secondsByGroup.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    /// The fleet's own share: RabbitMQ and the workers, without PostgreSQL, pgbench or this CLI
    /// (in production the publisher runs elsewhere).
    public var brokerAndWorkersSeconds: Double {
        secondsByGroup.filter { ![CPUAccount.postgres, CPUAccount.pgbench, CPUAccount.bench].contains($0.key) }.values.reduce(0, +)
    }
}

/// The whole machine's CPU time from `/proc/stat`, every process and the kernel included.
struct MachineCPU {
    /// Clock ticks spent busy, summed over all cores.
    let busyTicks: Int

    static func sample() -> MachineCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard ticks.count >= 5 else { return nil }
        // The fields are user, nice, system, idle, iowait, …: idle and iowait are the time not busy.
        return MachineCPU(busyTicks: ticks.reduce(0, +) - ticks[3] - ticks[4])
    }
}
