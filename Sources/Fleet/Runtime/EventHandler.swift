import CoverPayCore
import Logging
import Postgres

/// A worker's business logic for the events of one queue. `handle` runs inside the PostgreSQL
/// transaction that also records the message in the inbox and its outbound events in the outbox.
public protocol EventHandler: Sendable {
    var queue: QueueDefinition { get }
    func handle(_ event: CloudEvent, context: HandlerContext) throws
}

/// What a handler can do besides its own SQL: read the business clock, emit events, log.
public struct HandlerContext {
    public let database: PostgresConnection
    public let worker: String
    public let traceID: String
    public let logger: Logger
    private let today: BusinessDateOnce

    /// `today`: shared by the contexts of one transaction, which then read the clock once.
    public init(database: PostgresConnection, worker: String, traceID: String, logger: Logger, today: BusinessDateOnce = BusinessDateOnce()) {
        self.database = database
        self.worker = worker
        self.traceID = traceID
        self.logger = logger
        self.today = today
    }

    /// Today's business date, `YYYY-MM-DD` (real UTC date unless the clock is set).
    public func businessDate() throws -> String {
        try today.read(database)
    }

    /// Emits an event, published after the transaction commits.
    @discardableResult
    public func emit(type: String, subject: String?, data: JSONValue) throws -> CloudEvent {
        try Outbox.enqueue(
            Outbox.makeEvent(type: type, subject: subject, data: data, source: worker),
            producer: worker, traceID: traceID, on: database
        )
    }
}

/// The business date, read at most once: a consumer batch's messages share one transaction and
/// one date. It is read after the whole batch has arrived, so an event published because the
/// clock moved never sees the date before the move; a move while the batch runs races it either
/// way. One read per message cost a round trip each, a tenth of PostgreSQL's time on a billing day.
public final class BusinessDateOnce {
    private var date: String?

    public init() {}

    func read(_ database: PostgresConnection) throws -> String {
        if let date { return date }
        let today = try BusinessClock.today(database)
        date = today
        return today
    }
}

/// How a handler says an event cannot be processed.
public enum HandlerError: Error, CustomStringConvertible {
    /// Valid JSON but unacceptable content (a business rule refused it): straight to the DLQ.
    case rejected(reason: String, detail: String)
    /// Something outside the event failed and may work later: retried through a delay queue.
    case transient(String)

    public var description: String {
        switch self {
        case .rejected(let reason, let detail): "\(reason): \(detail)"
        case .transient(let detail): "transient: \(detail)"
        }
    }
}
