/// The faults of one chaos run, on a seeded timetable: which fault, when, and for how long.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// `kill -9` of one worker process (`<worker>-<replica>`), restarted after `downFor`.
    case killWorker(String)
    /// RabbitMQ's application stopped (`stop_app`) and started again.
    case restartBroker
    /// PostgreSQL stopped with `-m immediate` (a crash: no checkpoint) and started again.
    case crashDatabase

    public var description: String {
        switch self {
        case .killWorker(let id): "kill -9 \(id)"
        case .restartBroker: "broker restart"
        case .crashDatabase: "database crash"
        }
    }
}

public struct ScheduledFault: Sendable, Hashable {
    public var at: Duration
    public var fault: Fault
    public var downFor: Duration
}

public enum FaultSchedule {
    /// Faults every `interval` (± half) over `length`: mostly worker kills, and now and then a broker
    /// restart or a database crash, never two at once. Without `brokerRestarts` (a cluster run that
    /// stops a node of its own: a second node down would cost the quorum) a kill takes their place.
    public static func make(
        seed: UInt64, length: Duration, interval: Duration, workers: [String], replicas: Int, brokerRestarts: Bool = true
    ) -> [ScheduledFault] {
        var generator = SeededGenerator(seed: seed)
        var faults: [ScheduledFault] = []
        let step = interval.components.seconds * 1000, end = length.components.seconds * 1000
        var at = Int64(0)
        while true {
            at += Int64.random(in: (step / 2)...(step * 3 / 2), using: &generator)
            guard at < end else { return faults }
            let roll = Int.random(in: 0..<10, using: &generator)
            let fault: Fault = switch roll {
            case 0 where brokerRestarts: .restartBroker
            case 1: .crashDatabase
            default: .killWorker("\(workers.randomElement(using: &generator)!)-\(Int.random(in: 0..<replicas, using: &generator))")
            }
            let down = Int64.random(in: 500...3000, using: &generator)
            faults.append(ScheduledFault(at: .milliseconds(at), fault: fault, downFor: .milliseconds(down)))
            at += down
        }
    }
}
