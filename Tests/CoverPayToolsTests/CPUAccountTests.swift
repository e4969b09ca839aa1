import CoverPayTools
import Foundation
import Testing

@Suite("CPU account: whose CPU a bench's work cost")
struct CPUAccountTests {
    @Test("this process's own CPU is counted as the CLI's, and within the machine's busy time")
    func ownCPUCounted() throws {
        let before = try #require(CPUAccount.sample())
        // Spin until this thread has had 400 ms of CPU, however busy the machine is.
        let cpuStart = CPUAccount.threadCPUSeconds()
        var spin = 0
        while CPUAccount.threadCPUSeconds() - cpuStart < 0.4 { spin &+= 1 }
        let spent = try #require(CPUAccount.sample()).spent(since: before)
        #expect(spin > 0)
        // At least 0.3 s of this process's CPU, with ticks rounded down and sampled at 100 Hz.
        #expect(spent.seconds(of: CPUAccount.bench) >= 0.3)
        #expect(spent.busySeconds >= spent.seconds(of: CPUAccount.bench) - 0.02)
        #expect(spent.wallSeconds >= 0.4)
    }

    @Test("a fleet process is counted under its worker's name, replicas summed")
    func fleetProcessNamedByWorker() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "while :; do :; done"]
        try child.run()
        defer {
            kill(child.processIdentifier, SIGKILL)  // SIGTERM may be blocked in the mask a test process passes on
            child.waitUntilExit()
        }
        let fleet = [(id: "collector-2", pid: child.processIdentifier)]
        let before = try #require(CPUAccount.sample(fleet: fleet))
        var spent = try #require(CPUAccount.sample(fleet: fleet)).spent(since: before)
        // The busy loop gets a core sooner or later, however loaded the machine.
        while spent.seconds(of: "collector") < 0.1 && spent.wallSeconds < 10 {
            Thread.sleep(forTimeInterval: 0.05)
            spent = try #require(CPUAccount.sample(fleet: fleet)).spent(since: before)
        }
        #expect(spent.seconds(of: "collector") >= 0.1)
        #expect(spent.secondsByGroup["collector-2"] == nil)
        #expect(spent.brokerAndWorkersSeconds >= spent.seconds(of: "collector"))
    }

    @Test("the broker-and-workers share leaves out PostgreSQL, pgbench and the CLI")
    func brokerAndWorkersShare() {
        let spend = CPUSpend(
            secondsByGroup: [CPUAccount.postgres: 4, CPUAccount.pgbench: 1, CPUAccount.bench: 0.5, CPUAccount.rabbitMQ: 2, "scheduler": 1.5],
            busySeconds: 9.5, wallSeconds: 5
        )
        #expect(spend.brokerAndWorkersSeconds == 3.5)
        #expect(spend.busyCores == 1.9)
        #expect(spend.groups.map(\.group) == [CPUAccount.postgres, CPUAccount.rabbitMQ, "scheduler", CPUAccount.pgbench, CPUAccount.bench])
    }
}
