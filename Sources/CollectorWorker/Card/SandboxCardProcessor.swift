import CoverPayCore
import Foundation
import Postgres

/// The sandbox processor of DESIGN §11: the token decides the outcome. It stands in for an
/// external system, so it keeps its own durable books in `sandbox.card_calls` on its own
/// connections, committed before it answers: a call survives whatever the collector rolls back.
/// Idempotent per key like a real processor: a repeated key is answered from the first charge.
/// Like a real one it takes time to answer (half of a call's latency before it books, half after)
/// and serves only so many requests at once (`SandboxCardSettings`).
struct SandboxCardProcessor: CardProcessor {
    let name: String
    let databaseURL: String
    let connections: ConnectionPool
    let settings: SandboxCardSettings
    /// Free request slots of this processor in this process.
    let slots: DispatchSemaphore

    init(name: String, databaseURL: String, connections: ConnectionPool, settings: SandboxCardSettings) {
        self.name = name
        self.databaseURL = databaseURL
        self.connections = connections
        self.settings = settings
        slots = DispatchSemaphore(value: settings.maxConcurrentRequests)
    }

    func charge(_ request: CardChargeRequest) throws -> CardChargeResult {
        try served(kind: "charge", key: request.idempotencyKey) { try booked(request) }
    }

    func status(idempotencyKey: String) throws -> CardChargeStatus {
        try served(kind: "status", key: idempotencyKey) { try bookedStatus(idempotencyKey) }
    }

    /// One request as the network and the processor's capacity see it: a slot, the way there, the
    /// work, the way back.
    private func served<T>(kind: String, key: String, _ work: () throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let latency = settings.latency.duration(kind: kind, key: key)
        Self.wait(latency / 2)
        let answer = try work()
        Self.wait(latency - latency / 2)
        return answer
    }

    private static func wait(_ duration: Duration) {
        guard duration > .zero else { return }
        Thread.sleep(forTimeInterval: duration / .seconds(1))
    }

    private func booked(_ request: CardChargeRequest) throws -> CardChargeResult {
        let behaviour = SandboxCardBehaviour.outcome(token: request.token, attempt: request.attempt)
        let reference = "\(name)-ch-\(UUID().uuidString.prefix(12).lowercased())"
        let first = try connections.withConnection(url: databaseURL) { database in
            try database.transaction { database -> (outcome: String, reference: String?)? in
                let inserted = try database.query(
                    """
                    INSERT INTO sandbox.card_calls (processor, kind, idempotency_key, token, amount_cents, outcome, reference)
                    VALUES ($1, 'charge', $2, $3, $4, $5, $6)
                    ON CONFLICT (idempotency_key) WHERE kind = 'charge' AND NOT replay DO NOTHING RETURNING id
                    """,
                    [name, request.idempotencyKey, request.token, request.amount.cents, Self.recorded(behaviour), reference]
                )
                guard inserted.isEmpty else { return nil }
                let original = try Self.firstCharge(request.idempotencyKey, database)!
                try database.query(
                    """
                    INSERT INTO sandbox.card_calls (processor, kind, idempotency_key, token, amount_cents, outcome, reference, replay)
                    VALUES ($1, 'charge', $2, $3, $4, $5, $6, true)
                    """,
                    [name, request.idempotencyKey, request.token, request.amount.cents, original.outcome, original.reference]
                )
                return original
            }
        }
        if let first { return Self.answer(first.outcome, reference: first.reference ?? "") }
        switch behaviour {
        case .timeoutThenApproved:
            return .noAnswer("\(name) did not answer within the timeout")
        case .slowApproved(let delay):
            Thread.sleep(forTimeInterval: Double(delay) / 1000)
            return .approved(reference: reference)
        default:
            return Self.answer(Self.recorded(behaviour), reference: reference)
        }
    }

    private func bookedStatus(_ idempotencyKey: String) throws -> CardChargeStatus {
        try connections.withConnection(url: databaseURL) { database in
            let original = try Self.firstCharge(idempotencyKey, database)
            try database.query(
                "INSERT INTO sandbox.card_calls (processor, kind, idempotency_key, outcome, reference) VALUES ($1, 'status', $2, $3, $4)",
                [name, idempotencyKey, original?.outcome ?? "not_found", original?.reference]
            )
            guard let original else { return .notFound }
            switch Self.answer(original.outcome, reference: original.reference ?? "") {
            case .approved(let reference): return .approved(reference: reference)
            case .declined(let code, let reference): return .declined(code: code, reference: reference)
            case .noAnswer: return .notFound
            }
        }
    }

    /// What the sandbox books for a charge: a timeout was approved on its side, its answer lost.
    private static func recorded(_ behaviour: SandboxCardOutcome) -> String {
        switch behaviour {
        case .approved, .timeoutThenApproved, .slowApproved, .approvedThenChargeback: "approved"
        case .softDecline(let code): "soft_decline:\(code)"
        case .hardDecline(let code): "hard_decline:\(code)"
        }
    }

    private static func answer(_ recorded: String, reference: String) -> CardChargeResult {
        guard recorded != "approved", let colon = recorded.firstIndex(of: ":") else { return .approved(reference: reference) }
        return .declined(code: String(recorded[recorded.index(after: colon)...]), reference: reference)
    }

    private static func firstCharge(_ key: String, _ database: PostgresConnection) throws -> (outcome: String, reference: String?)? {
        try database.query(
            "SELECT outcome, reference FROM sandbox.card_calls WHERE idempotency_key = $1 AND kind = 'charge' AND NOT replay",
            [key]
        ).first.map { (try $0.decode("outcome"), $0["reference"]) }
    }
}
