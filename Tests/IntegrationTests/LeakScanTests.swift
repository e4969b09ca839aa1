import Foundation
import Testing

extension FleetTests {
    /// The leak scan's own test (docs/security.md): a card number planted in a log line and in a
    /// text column of a throwaway schema makes `coverpay scan leaks` fail and name both places, the
    /// number masked; a log of the same shape with only a trace number, a UUID and an amount does not.
    @Test("coverpay scan leaks fails on a card number planted in a log line and in a text column, naming where")
    func leakScanFindsPlantedCardNumbers() throws {
        let folder = LiveServices.scratchFolder("leak-scan-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clean = #"{"level":"info","message":"payment succeeded","trace_number":"011000010000042","event_id":"688e1234-5678-9018-005e-3c1f2a9b7d10","amount":"1234567890123.00"}"#
        try Data((clean + "\n").utf8).write(to: folder.appendingPathComponent("clean.log"))
        try Data((clean + "\n" + #"{"level":"error","message":"charge failed for card 4111 1111 1111 1111"}"# + "\n").utf8)
            .write(to: folder.appendingPathComponent("collector-1.log"))
        let database = try LiveServices.database()
        try database.execute(script: "DROP SCHEMA IF EXISTS leak_probe CASCADE; CREATE SCHEMA leak_probe; CREATE TABLE leak_probe.notes (note text)")
        defer { _ = try? database.execute(script: "DROP SCHEMA IF EXISTS leak_probe CASCADE") }
        try database.query("INSERT INTO leak_probe.notes (note) VALUES ($1)", ["customer read out 5500005555555559 on the phone"])

        let result = try LiveServices.coverpay(["scan", "leaks", "--path", folder.path, "--accounts", LiveServices.repositoryRoot.appendingPathComponent("Tests/sandbox-accounts.txt").path])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("LEAK  card_number ************1111 in \(folder.path)/collector-1.log (line 2)"), "\(result.stdout)")
        #expect(result.stdout.contains("LEAK  card_number ************5559 in leak_probe.notes.note (row "), "\(result.stdout)")
        #expect(!result.stdout.contains("clean.log"), "\(result.stdout)")
        #expect(!result.stdout.contains("4111111111111111") && !result.stdout.contains("5500005555555559"), "the report repeats a number unmasked")

        // A login that may not read the table is refused by PostgreSQL; the scan stops and says so
        // instead of passing over the table.
        let refused = try LiveServices.coverpay(
            ["scan", "leaks", "--path", folder.path], environment: ["COVERPAY_MIGRATION_DATABASE_URL": LiveServices.operatorDatabaseURL]
        )
        #expect(refused.status != 0 && refused.stderr.contains("cannot read leak_probe.notes (permission denied)"), "\(refused.stdout)\n\(refused.stderr)")
    }
}
