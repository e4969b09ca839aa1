import Foundation

/// The whole machine's CPU time from `/proc/stat` (every process, the bench's own included), so a
/// bench can say how many cores were busy while it measured: a latency taken with the cores
/// saturated is bound by the CPU, not by the path it measures.
struct MachineCPU {
    /// Clock ticks spent busy and in total, summed over all cores.
    let busyTicks: Int
    let totalTicks: Int

    /// Nil where `/proc/stat` is not readable (not Linux).
    static func sample() -> MachineCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard ticks.count >= 5 else { return nil }
        // The fields are user, nice, system, idle, iowait, …: idle and iowait are the time not busy.
        let total = ticks.reduce(0, +)
        return MachineCPU(busyTicks: total - ticks[3] - ticks[4], totalTicks: total)
    }

    /// Busy cores on average from `earlier` to this sample.
    func busyCores(since earlier: MachineCPU) -> Double {
        let total = totalTicks - earlier.totalTicks
        guard total > 0 else { return 0 }
        return Double(busyTicks - earlier.busyTicks) / Double(total) * Double(ProcessInfo.processInfo.activeProcessorCount)
    }
}
