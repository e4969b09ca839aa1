import AccountingSyncWorker
import ArgumentParser
import CoverPayCore
import Fleet
import Foundation
import Postgres

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The double-entry ledger: trial balance, entries, the trust check, carrier remittance, commission sweep, refunds paid, exports for other general ledgers.",
        subcommands: [TrialBalance.self, Entries.self, TrustCheckCommand.self, Remit.self, SweepCommission.self, PayRefund.self, LedgerExportCommand.self]
    )

    static func checkedDate(_ text: String, option: String) throws -> String {
        do {
            return try CalendarDate(iso: text).description
        } catch {
            throw CLIError("--\(option) '\(text)' is not a YYYY-MM-DD date")
        }
    }

    struct TrialBalance: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "trial-balance", abstract: "Debit and credit balance of every account; the totals are equal.")
        @Option(help: "Only entries posted on or before this date (YYYY-MM-DD); default: everything.") var asOf: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let asOf = try self.asOf.map { try LedgerCommand.checkedDate($0, option: "as-of") }
            let database = try CLIEnvironment().database()
            let balances = try Journal.balances(asOf: asOf, database)
            let accounts = try database.query("SELECT code, name FROM ledger.accounts ORDER BY code").map { row in
                (code: try row.decode("code", as: String.self), name: try row.decode("name", as: String.self))
            }
            let lines = accounts.map { account in
                let net = balances[account.code] ?? .zero
                return (account.code, account.name, debit: max(net, .zero), credit: max(-net, .zero))
            }
            let totalDebit = lines.reduce(Money.zero) { $0 + $1.debit }, totalCredit = lines.reduce(Money.zero) { $0 + $1.credit }
            if json {
                return Output.json(.object([
                    "as_of": asOf.map(JSONValue.string) ?? .null,
                    "accounts": .array(lines.map { .object(["code": .string($0.0), "name": .string($0.1), "debit": .string($0.debit.description), "credit": .string($0.credit.description)]) }),
                    "total_debit": .string(totalDebit.description), "total_credit": .string(totalCredit.description),
                ]))
            }
            Output.table(["ACCOUNT", "NAME", "DEBIT", "CREDIT"], lines.filter { !$0.debit.isZero || !$0.credit.isZero }.map { [$0.0, $0.1, $0.debit.description, $0.credit.description] }
                + [["", "total", totalDebit.description, totalCredit.description]])
        }
    }

    struct Entries: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Journal entries with their lines, in posting order.")
        @Option(help: "Only this policy's entries.") var policy: String?
        @Option(help: "Only entries with a line on this account (e.g. 1010, 2010-CARRIER).") var account: String?
        @Option(help: "At most this many entries (the newest).") var limit = 500
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            if policy != nil && account != nil { throw CLIError("give --policy or --account, not both") }
            let rows = try CLIEnvironment().database().query(
                """
                WITH chosen AS (
                    SELECT e.* FROM ledger.journal_entries e
                    WHERE ($1::text IS NULL OR e.policy_id = $1)
                      AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM ledger.journal_lines l WHERE l.entry_id = e.entry_id AND l.account_code = $2))
                    ORDER BY e.entry_id DESC LIMIT $3
                )
                SELECT c.entry_id, c.event_id, c.posted_on::text AS posted_on, c.memo, c.reverses_entry_id, l.account_code, l.debit_cents, l.credit_cents
                FROM chosen c JOIN ledger.journal_lines l USING (entry_id) ORDER BY c.entry_id, l.line_number
                """,
                [policy, account, limit]
            )
            var entries: [(id: String, event: String, postedOn: String, memo: String, reverses: String?, lines: [(String, Money, Money)])] = []
            for row in rows {
                let id = row["entry_id"] ?? ""
                let line = (row["account_code"] ?? "", Money(cents: try row.decode("debit_cents")), Money(cents: try row.decode("credit_cents")))
                if entries.last?.id == id { entries[entries.count - 1].lines.append(line); continue }
                entries.append((id, row["event_id"] ?? "", row["posted_on"] ?? "", row["memo"] ?? "", row["reverses_entry_id"], [line]))
            }
            if json {
                return Output.json(.array(entries.map { entry in
                    .object([
                        "entry_id": .number(entry.id), "event_id": .string(entry.event), "posted_on": .string(entry.postedOn), "memo": .string(entry.memo),
                        "reverses_entry_id": entry.reverses.map { .number($0) } ?? .null,
                        "lines": .array(entry.lines.map { .object(["account": .string($0.0), "debit": .string($0.1.description), "credit": .string($0.2.description)]) }),
                    ])
                }))
            }
            Output.table(["ENTRY", "POSTED", "ACCOUNT", "DEBIT", "CREDIT", "MEMO"], entries.flatMap { entry in
                entry.lines.enumerated().map { index, line in
                    [index == 0 ? entry.id : "", index == 0 ? entry.postedOn : "", line.0, line.1.isZero ? "" : line.1.description,
                     line.2.isZero ? "" : line.2.description, index == 0 ? entry.memo : ""]
                }
            })
        }
    }

    struct TrustCheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trust-check", abstract: "Premium trust cash (plus premium in transit to it) against fiduciary liabilities; exits 1 on a breach."
        )
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let check = try Journal.trustCheck(CLIEnvironment().database())
            if json {
                Output.json(.object([
                    "trust_cash": .string(check.trustCash.description), "in_transit": .string(check.inTransit.description),
                    "fiduciary_liabilities": .string(check.fiduciaryLiabilities.description), "shortfall": .string(check.shortfall.description),
                    "holds": .bool(check.holds),
                ]))
            } else {
                print("premium trust cash \(check.trustCash) + in transit \(check.inTransit) = \(check.covered); fiduciary liabilities \(check.fiduciaryLiabilities)")
            }
            guard check.holds else { throw CLIError("TRUST BREACH: short by \(check.shortfall)") }
            if !json { print("trust check holds") }
        }
    }

    struct Remit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pay a carrier what it is owed from the trust account (premium settled through DATE, net of commission).")
        @Option(help: "The carrier id.") var carrier: String
        @Option(help: "Premium posted on or before this date (YYYY-MM-DD).") var through: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let through = try LedgerCommand.checkedDate(self.through, option: "through")
            let database = try CLIEnvironment().ledgerDatabase()
            let result = try database.transaction { database in
                try TrustFunds.remit(carrierID: carrier, through: through, runID: "remit-\(UUID().uuidString.lowercased())", postedOn: try BusinessClock.today(database), database)
            }
            LedgerCommand.report(result, what: "remitted to carrier \(carrier) through \(through)", json: json)
        }
    }

    struct SweepCommission: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sweep-commission", abstract: "Move commission and fee income earned through DATE from the trust account to operating cash.")
        @Option(help: "Income recognised on or before this date (YYYY-MM-DD).") var through: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let through = try LedgerCommand.checkedDate(self.through, option: "through")
            let database = try CLIEnvironment().ledgerDatabase()
            let result = try database.transaction { database in
                try TrustFunds.sweep(through: through, runID: "sweep-\(UUID().uuidString.lowercased())", postedOn: try BusinessClock.today(database), database)
            }
            LedgerCommand.report(result, what: "swept to operating cash through \(through)", json: json)
        }
    }

    struct PayRefund: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pay-refund", abstract: "Record a refund paid to the insured out of the trust account.")
        @Option(help: "The policy.") var policy: String
        @Option(help: "The amount paid (e.g. 36.00); default: everything the policy is owed.") var amount: String?
        @Option(help: "The payment's reference (check number, transfer id).") var reference: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let paid: Money? = try self.amount.map { text in
                guard let money = try? Money(parsing: text), money > .zero else { throw CLIError("--amount '\(text)' is not a positive amount like 36.00") }
                return money
            }
            let database = try CLIEnvironment().ledgerDatabase()
            do {
                let result = try database.transaction { database in
                    try TrustFunds.payRefund(
                        policyID: policy, amount: paid, reference: reference, runID: "refund-\(UUID().uuidString.lowercased())",
                        postedOn: try BusinessClock.today(database), database
                    )
                }
                LedgerCommand.report(result, what: "refund paid to the insured of \(policy)", json: json)
            } catch HandlerError.rejected(_, let detail) {
                throw CLIError(detail)
            }
        }
    }

    static func report(_ result: (entryID: Int64, amount: Money)?, what: String, json: Bool) {
        if json {
            return Output.json(.object([
                "entry_id": result.map { .number("\($0.entryID)") } ?? .null, "amount": .string((result?.amount ?? .zero).description),
            ]))
        }
        guard let result else { return print("nothing \(what)") }
        print("\(result.amount) \(what) (entry \(result.entryID))")
    }
}
