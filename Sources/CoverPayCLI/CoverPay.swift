import ArgumentParser

@main
struct CoverPay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverpay",
        abstract: "Operate a CoverPay fleet: migrations, topology, the business clock, dead letters, schedules.",
        subcommands: [
            MigrateCommand.self, TopologyCommand.self, ClockCommand.self, PublishCommand.self,
            DLQCommand.self, StatusCommand.self, EventsCommand.self, ScheduleCommand.self, DemoCommand.self, RoutesCommand.self, PaymentsCommand.self, ACHCommand.self, BenchCommand.self,
            LedgerCommand.self, GLCommand.self,
            FuzzCommand.self, ChaosCommand.self, EndToEndCommand.self, ScanCommand.self, KeysCommand.self,
            ReconCommand.self, SandboxCommand.self,
            TraceCommand.self,
            RecoveryCommand.self, DelinquencyCommand.self,
        ]
    )
}
