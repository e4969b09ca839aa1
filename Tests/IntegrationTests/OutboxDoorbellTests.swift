import Foundation
import Testing
@testable import Fleet

/// The relay's wake-up: a ring wakes a waiting relay, and a ring that came while the relay was busy
/// is not lost. The bounds are a minute, far above any scheduling delay: they catch a relay that
/// sleeps through its bell, not a slow one.
@Suite("Outbox doorbell")
struct OutboxDoorbellTests {
    @Test("a ring while the relay waits wakes it")
    func ringWakesAWaitingRelay() async throws {
        let doorbell = OutboxDoorbell()
        let ringer = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            doorbell.ring()
        }
        ringer.start()
        let started = ContinuousClock.now
        doorbell.wait(timeout: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a ring before the wait ends the next wait at once, and only that one")
    func ringBeforeTheWaitIsKept() {
        let doorbell = OutboxDoorbell()
        doorbell.ring()
        let started = ContinuousClock.now
        doorbell.wait(timeout: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(30))
        let silent = ContinuousClock.now
        doorbell.wait(timeout: .milliseconds(300))
        #expect(ContinuousClock.now - silent >= .milliseconds(300), "the bell was silenced by the first wait")
    }
}
