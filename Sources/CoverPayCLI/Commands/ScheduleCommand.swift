import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import SchedulerWorker

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Preview or show payment schedules.", subcommands: [Preview.self, Show.self]
    )

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a schedule from a JSON array of CloudEvents on stdin, without any service.",
            discussion: "Policy events are applied in sequence order; coverpay.payment.succeeded (with data.entry_number) marks entries paid. Prints the schedule as JSON."
        )

        func run() throws {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            let json: JSONValue
            do {
                json = try JSONValue.parse(Array(input))
            } catch {
                throw CLIError("stdin is not JSON: \(error)")
            }
            guard let array = json.arrayValue else { throw CLIError("stdin must hold a JSON array of CloudEvents") }
            var events: [CloudEvent] = []
            for (index, element) in array.enumerated() {
                do {
                    events.append(try CloudEvent(json: element))
                } catch {
                    throw CLIError("event \(index): \(error)")
                }
            }
            do {
                Output.json(try SchedulePreview.run(events: events))
            } catch {
                throw CLIError(error.description)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the stored schedule of a policy.")
        @Argument(help: "The policy id.") var policy: String
        @Flag(help: "Print JSON (the preview's shape).") var json = false
        @Flag(help: "List each entry's per-item details.") var details = false

        func run() throws {
            guard let stored = try ScheduleStore.load(policy, try CLIEnvironment().database()),
                  stored.lastSequence > 0
            else {
                throw CLIError("no schedule for policy '\(policy)'")
            }
            let schedule = stored.schedule
            if json { return Output.json(ScheduleJSON.encode(schedule)) }
            print("policy \(policy) — \(schedule.state.rawValue), collected by \(stored.rail.rawValue)")
            var rows: [[String]] = []
            for entry in schedule.entries {
                let amounts = entry.amounts
                rows.append([
                    "\(entry.entryNumber)", entry.scheduleDate.description, entry.transaction.rawValue, entry.status.rawValue,
                    entry.isPaid ? "yes" : "no", amounts.premium.description, amounts.fee.description,
                    amounts.tax.description, entry.total.description,
                ])
                if details {
                    for detail in entry.details {
                        let item = schedule.items[detail.itemIndex]
                        rows.append([
                            "", "  \(item.kind.rawValue): \(item.name)", "", "", "", detail.amounts.premium.description,
                            detail.amounts.fee.description, detail.amounts.tax.description, "",
                        ])
                    }
                }
            }
            Output.table(["ENTRY", "DATE", "TRANSACTION", "STATUS", "PAID", "PREMIUM", "FEE", "TAX", "TOTAL"], rows)
            let billable = schedule.billableTotal
            print("billable total: premium \(billable.premium), fee \(billable.fee), tax \(billable.tax), total \(billable.total)")
        }
    }
}
