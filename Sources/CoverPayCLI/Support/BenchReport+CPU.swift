import CoverPayTools
import Foundation

extension BenchReport {
    /// The CPU each `unit` cost, per group and machine-wide, as figures.
    mutating func addCPU(_ spend: CPUSpend, units: Int, unit: String, during: String) {
        guard units > 0 else { return }
        figures.append(.init(
            name: "CPU, machine", value: spend.busyMilliseconds(per: units), unit: "ms/\(unit)",
            note: String(format: "%@: %.2f of %d cores busy for %.1f s, kernel and every process", during, spend.busyCores, Self.cores, spend.wallSeconds)
        ))
        for (group, seconds) in spend.groups where spend.milliseconds(of: group, per: units) >= 0.005 {
            figures.append(.init(
                name: "CPU, \(group)", value: spend.milliseconds(of: group, per: units), unit: "ms/\(unit)", note: String(format: "%.2f cores", seconds / spend.wallSeconds)
            ))
        }
    }

    /// What the cores allow the fleet at best, against a pgbench baseline: each `unit` needs at
    /// least PostgreSQL's CPU for one pgbench transaction (the minimal write set, done as cheaply
    /// as pgbench gets it done) plus what RabbitMQ and the workers were measured to cost per unit.
    /// The machine's cores divided by their sum is a rate the fleet cannot beat unless RabbitMQ
    /// and the workers get cheaper per event or move to other cores.
    mutating func addCPUBound(fleet: CPUSpend, units: Int, unit: String, rate: Double, pgbench: PgbenchBaseline.Throughput) {
        guard let pgbenchCPU = pgbench.cpu, units > 0, pgbench.transactions > 0 else { return }
        let databaseMs = pgbenchCPU.milliseconds(of: CPUAccount.postgres, per: pgbench.transactions)
        let fleetMs = fleet.brokerAndWorkersSeconds * 1000 / Double(units)
        let bound = Double(Self.cores) * 1000 / (databaseMs + fleetMs)
        figures.append(.init(
            name: "CPU, pgbench's database", value: databaseMs, unit: "ms/tx",
            note: String(format: "PostgreSQL during the pgbench baseline (%.2f of %d cores busy machine-wide)", pgbenchCPU.busyCores, Self.cores)
        ))
        figures.append(.init(
            name: "CPU bound", value: bound, unit: "\(unit)s/s",
            note: String(format: "%d cores ÷ (%.2f ms PostgreSQL at pgbench's cost + %.2f ms RabbitMQ and workers as measured)", Self.cores, databaseMs, fleetMs)
        ))
        notes.append(String(
            format: "CPU bound ÷ pgbench = %.2f; the run reached %.2f of the CPU bound%@", bound / pgbench.tps, rate / bound,
            bound < pgbench.tps ? " — below 1.0, the pgbench target is out of reach on these cores while RabbitMQ and the workers share them with the database" : ""
        ))
    }

    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
