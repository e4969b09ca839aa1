import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import ReconcilerWorker

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "The sandbox bank and card processor (DESIGN §11).", subcommands: [Bank.self]
    )

    struct Bank: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The sandbox bank.", subcommands: [Settle.self])

        struct Settle: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Settle the outbound NACHA debits due by a date and the sandbox card charges; drop the bank's files in the reconciler's inbound folder."
            )
            @Option(help: "The business date the bank settles (default: the business date).") var date: String?

            func run() throws {
                let database = try CLIEnvironment().sandboxDatabase()
                let text = try date ?? BusinessClock.today(database)
                guard let day = try? CalendarDate(iso: text) else { throw CLIError("--date '\(text)' is not YYYY-MM-DD") }
                let bank = SandboxBank.fromEnvironment
                let report = try bank.settle(date: day, database: database)
                print("sandbox bank \(day): \(report.deposits) deposits, \(report.returns) returns, \(report.cardCharges) card charges, \(report.chargebacks) chargebacks")
                for file in report.files { print("  \(bank.inboundDirectory)/\(file)") }
            }
        }
    }
}
