@testable import CoverPayTools
import Testing

@Suite("Fault schedule")
struct FaultScheduleTests {
    static let workers = ["scheduler", "collector", "retrier", "reconciler", "accounting-sync"]

    func schedule(seed: UInt64) -> [ScheduledFault] {
        FaultSchedule.make(seed: seed, length: .seconds(600), interval: .seconds(5), workers: Self.workers, replicas: 2)
    }

    @Test("a seed gives one timetable; faults never overlap and all fall inside the run", arguments: [1, 7, 12345] as [UInt64])
    func timetable(seed: UInt64) {
        let faults = schedule(seed: seed)
        #expect(faults == schedule(seed: seed))
        #expect(faults != schedule(seed: seed + 1))
        #expect(!faults.isEmpty)
        for (earlier, later) in zip(faults, faults.dropFirst()) {
            #expect(earlier.at + earlier.downFor <= later.at, "\(earlier) overlaps \(later)")
        }
        #expect(faults.allSatisfy { $0.at < .seconds(600) && $0.downFor >= .milliseconds(500) && $0.downFor <= .seconds(3) })
    }

    @Test("every kind of fault occurs, and kills name a real replica of a real worker")
    func kinds() {
        let faults = (1...5).flatMap { schedule(seed: $0) }.map(\.fault)
        #expect(faults.contains(.restartBroker))
        #expect(faults.contains(.crashDatabase))
        let replicas = Set(Self.workers.flatMap { ["\($0)-0", "\($0)-1"] })
        for case .killWorker(let id) in faults { #expect(replicas.contains(id), "\(id)") }
    }

    @Test("a run that stops a cluster node of its own gets no broker restarts (a second node down would cost the quorum)")
    func noBrokerRestartsBesideANodeOutage() {
        let faults = (1...5).flatMap {
            FaultSchedule.make(seed: $0, length: .seconds(600), interval: .seconds(5), workers: Self.workers, replicas: 2, brokerRestarts: false)
        }.map(\.fault)
        #expect(!faults.contains(.restartBroker))
        #expect(faults.contains(.crashDatabase))
    }
}
