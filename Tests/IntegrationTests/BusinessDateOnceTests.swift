import Foundation
import Testing
@testable import Fleet

/// A consumer batch reads the business clock once for all its messages (`BusinessDateOnce`).
@Suite("Business date, once per batch", .serialized)
struct BusinessDateOnceTests {
    @Test("a batch's date stays as first read; the next batch reads the clock again")
    func readOncePerBatch() throws {
        let database = try LiveServices.database()
        let frozen = try BusinessClock.frozenDate(database)
        defer { _ = try? frozen.map { try BusinessClock.set($0, database) } ?? BusinessClock.reset(database) }
        try BusinessClock.set("2031-03-04", database)
        let batch = BusinessDateOnce()
        #expect(try batch.read(database) == "2031-03-04")
        try BusinessClock.set("2031-03-05", database)
        #expect(try batch.read(database) == "2031-03-04")
        #expect(try BusinessDateOnce().read(database) == "2031-03-05")
    }
}
