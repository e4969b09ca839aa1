import ArgumentParser
import CoverPayCore
import Fleet
import Postgres

struct ClockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock", abstract: "Show or move the business clock that drives every due-date decision.",
        subcommands: [Show.self, Set.self, Advance.self, Reset.self], defaultSubcommand: Show.self
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the business date and whether it is frozen.")
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let database = try CLIEnvironment().database()
            let today = try BusinessClock.today(database)
            let frozen = try BusinessClock.frozenDate(database) != nil
            if json {
                Output.json(.object(["date": .string(today), "mode": .string(frozen ? "set" : "real_time")]))
            } else {
                print("\(today) (\(frozen ? "set by an operator" : "real time, UTC"))")
            }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Freeze the business clock at DATE (YYYY-MM-DD).")
        @Argument(help: "The business date, YYYY-MM-DD.") var date: String

        func validate() throws {
            guard date.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil else {
                throw ValidationError("'\(date)' is not a YYYY-MM-DD date")
            }
        }

        func run() throws {
            let database = try CLIEnvironment().database()
            do {
                try BusinessClock.set(date, database)
            } catch let error as PostgresError where error.sqlState?.hasPrefix("22") == true {
                throw CLIError("'\(date)' is not a calendar date")
            }
            print(try BusinessClock.today(database))
        }
    }

    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the business clock forward by N days.")
        @Option(help: "Days to move forward (1 or more).") var days: Int

        func validate() throws {
            guard days >= 1 else { throw ValidationError("--days must be 1 or more, got \(days)") }
        }

        func run() throws {
            let database = try CLIEnvironment().database()
            try BusinessClock.advance(days: days, database)
            print(try BusinessClock.today(database))
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return the business clock to real time.")

        func run() throws {
            let database = try CLIEnvironment().database()
            try BusinessClock.reset(database)
            print(try BusinessClock.today(database))
        }
    }
}
