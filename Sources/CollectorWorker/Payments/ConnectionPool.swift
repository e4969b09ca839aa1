import Foundation
import Postgres

/// Idle PostgreSQL connections shared by a worker's threads, for work that must commit on its own,
/// apart from any caller's transaction (the sandbox processor's books). At most `limit`
/// connections are in use at once; more callers wait for one.
final class ConnectionPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private let slots: DispatchSemaphore

    init(limit: Int) {
        slots = DispatchSemaphore(value: limit)
    }

    func withConnection<T>(url: String, _ body: (PostgresConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection = try checkout(url: url)
        do {
            let value = try body(connection)
            checkin(connection)
            return value
        } catch {
            if connection.isConnected { checkin(connection) }
            throw error
        }
    }

    private func checkout(url: String) throws -> PostgresConnection {
        let reused: PostgresConnection? = lock.withLock { idle.popLast() }
        if let reused, reused.isConnected { return reused }
        return try PostgresConnection(url: url)
    }

    private func checkin(_ connection: PostgresConnection) {
        lock.withLock { idle.append(connection) }
    }
}
