import ArgumentParser

/// `coverpay ledger …`: the double-entry ledger's operator commands.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The double-entry ledger: exports for other general ledgers.",
        subcommands: [LedgerExportCommand.self]
    )
}
