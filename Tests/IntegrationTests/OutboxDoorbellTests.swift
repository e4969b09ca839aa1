import Fleet
import Foundation
import Testing

/// The relay's wake-up: no services needed.
@Suite("outbox doorbell")
struct OutboxDoorbellTests {
    @Test("a ring before the wait is not lost, and is consumed by that wait")
    func ringBeforeWait() {
        let doorbell = OutboxDoorbell()
        doorbell.ring()
        #expect(doorbell.wait(timeout: .seconds(10)))
        #expect(!doorbell.wait(timeout: .milliseconds(1)))
    }

    @Test("a ring from another thread wakes a waiting relay")
    func ringWakesWaiter() {
        let doorbell = OutboxDoorbell()
        let ringer = Thread { Thread.sleep(forTimeInterval: 0.05); doorbell.ring() }
        ringer.start()
        // Without the ring this waits the full minute and returns false.
        #expect(doorbell.wait(timeout: .seconds(60)))
    }
}
