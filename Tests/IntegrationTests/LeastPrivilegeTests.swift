import AMQP
import CollectorWorker
import CoverPayCore
import Fleet
import Foundation
import Postgres
import SchedulerWorker
import Testing

/// Each worker's own login may do only what its work needs (docs/security.md, "Roles and users"):
/// what it must not do is refused by PostgreSQL and RabbitMQ themselves, not by CoverPay's code.
/// Every refusal has a control beside it (the same call on what the login may touch succeeds), so a
/// test fails when a refusal has some other cause.
@Suite("Least privilege: refusals by PostgreSQL and RabbitMQ", .serialized)
struct LeastPrivilegeTests {
    init() throws {
        try LiveServices.isolate()
    }

    static func database(_ worker: String) throws -> PostgresConnection {
        try PostgresConnection(url: LiveServices.workerURLs(worker).database)
    }

    static func broker(_ worker: String) throws(AMQPError) -> AMQPConnection {
        let connection = try AMQPConnection(AMQPConfiguration(url: LiveServices.workerURLs(worker).amqp))
        try connection.openChannel(1)
        try connection.enableConfirms(channel: 1)
        return connection
    }

    /// Runs `sql` and expects PostgreSQL's insufficient_privilege (SQLSTATE 42501).
    static func expectRefused(_ sql: String, on database: PostgresConnection, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try database.query(sql)
            Issue.record("PostgreSQL accepted: \(sql)", sourceLocation: sourceLocation)
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501", "\(sql): \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(sql): \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Runs an AMQP operation and expects the broker's ACCESS_REFUSED (reply code 403).
    static func expectRefused(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ operation: () throws -> Void) {
        do {
            try operation()
            Issue.record("RabbitMQ accepted: \(what)", sourceLocation: sourceLocation)
        } catch {
            #expect((error as? AMQPError)?.replyCode == 403, "\(what): \(error)", sourceLocation: sourceLocation)
        }
    }

    static let ledgerEntry = """
        INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version)
        VALUES ('least-privilege-probe', 'least-privilege-probe', 'probe', 'probe', 1)
        """

    @Test("the ledger is written by accounting-sync alone: every other worker, the operator and the sandbox are refused")
    func ledgerWriters() throws {
        for worker in ["scheduler", "collector", "retrier", "reconciler"] {
            Self.expectRefused(Self.ledgerEntry, on: try Self.database(worker))
            Self.expectRefused("UPDATE ledger.accounts SET name = name", on: try Self.database(worker))
        }
        let environment = LiveServices.environment
        for variable in ["COVERPAY_DATABASE_URL", "COVERPAY_SANDBOX_DATABASE_URL"] {
            let url = try #require(environment[variable], "\(variable) (from Deploy/local/services testbed)")
            Self.expectRefused(Self.ledgerEntry, on: try PostgresConnection(url: url))
        }
        // Control: accounting-sync's own login writes it (rolled back, the ledger stays clean).
        let accounting = try Self.database("accounting-sync")
        try accounting.query("BEGIN")
        defer { _ = try? accounting.query("ROLLBACK") }
        try accounting.query("SELECT count(*) AS n FROM ledger.journal_lines")
        Self.expectRefused("DELETE FROM ledger.journal_lines", on: accounting)
    }

    @Test("the collector writing the ledger is refused; its own tables and the sandbox processor's calls are not")
    func collectorAndTheLedger() throws {
        let collector = try Self.database("collector")
        Self.expectRefused(Self.ledgerEntry, on: collector)
        Self.expectRefused("SELECT count(*) FROM ledger.journal_lines", on: collector)
        Self.expectRefused("INSERT INTO sandbox.bank_runs (run_date) VALUES (current_date)", on: collector)
        try collector.query("SELECT count(*) AS n FROM collector.payments")
        try collector.query("SELECT count(*) AS n FROM sandbox.card_calls")
    }

    @Test("the scheduler reading sealed bank account numbers is refused")
    func schedulerAndSealedAccounts() throws {
        let scheduler = try Self.database("scheduler")
        Self.expectRefused("SELECT account_ciphertext FROM collector.policies", on: scheduler)
        Self.expectRefused("SELECT payment_method FROM collector.policies", on: scheduler)
        try scheduler.query("SELECT count(*) AS n FROM scheduler.policies")
        for worker in ["retrier", "reconciler", "accounting-sync"] {
            Self.expectRefused("SELECT account_ciphertext FROM collector.policies", on: try Self.database(worker))
        }
    }

    @Test("a worker writing another worker's tables or the DLQ audit is refused")
    func otherWorkersTables() throws {
        Self.expectRefused("DELETE FROM scheduler.entries", on: try Self.database("reconciler"))
        Self.expectRefused("UPDATE retrier.policies SET state = state", on: try Self.database("collector"))
        Self.expectRefused("DELETE FROM reconciler.expected_items", on: try Self.database("retrier"))
        Self.expectRefused("INSERT INTO coverpay.dlq_audit (actor, action, queue, dry_run) VALUES ('x', 'x', 'x', true)", on: try Self.database("collector"))
        Self.expectRefused("UPDATE coverpay.business_clock SET frozen_on = NULL", on: try Self.database("scheduler"))
        Self.expectRefused("CREATE TABLE scheduler.probe (id int)", on: try Self.database("scheduler"))
    }

    @Test("a worker forging or deleting another worker's outbox rows is refused by row-level security")
    func otherWorkersOutboxRows() throws {
        let insert = """
            INSERT INTO coverpay.outbox (producer, message_id, exchange, routing_key, message_type, body)
            VALUES ($1, $2, 'coverpay.events', 'coverpay.installment.due', 'coverpay.installment.due', '{}')
            """
        let collector = try Self.database("collector")
        do {
            try collector.query(insert, ["scheduler", "lp-forged-\(UUID().uuidString)"])
            Issue.record("PostgreSQL accepted a collector outbox row as the scheduler's")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501", "\(error)")
        }
        // A scheduler row (written by the owner, the test's login) is invisible to the collector.
        let id = "lp-scheduler-\(UUID().uuidString)"
        try LiveServices.database().query(insert, ["scheduler", id])
        defer { _ = try? LiveServices.database().query("DELETE FROM coverpay.outbox WHERE message_id = $1", [id]) }
        try collector.query("DELETE FROM coverpay.outbox WHERE message_id = $1", [id])
        #expect(try LiveServices.count("SELECT count(*) AS n FROM coverpay.outbox WHERE message_id = $1", [id]) == 1)
        // Control: the scheduler sees its row.
        #expect(try Self.database("scheduler").query("SELECT count(*) AS n FROM coverpay.outbox WHERE message_id = $1", [id])
            .first?.decode("n", as: Int.self) == 1)
    }

    @Test("the reconciler publishing installment.due is refused by topic authorisation; recon.exception is not")
    func reconcilerPublishing() throws {
        func event(_ type: String) -> AMQPMessage {
            let event = Events.envelope(type, policy: "LP-\(UUID().uuidString.prefix(8))", data: [:])
            return AMQPMessage(body: Array(event.serialized().utf8), messageID: event["id"]?.stringValue, type: type, contentType: CloudEvent.contentType)
        }
        let allowed = try Self.broker("reconciler")
        try allowed.publish(event("coverpay.recon.exception"), exchange: Topology.eventsExchange, routingKey: "coverpay.recon.exception", channel: 1)
        try allowed.waitForConfirms(channel: 1)

        let refused = try Self.broker("reconciler")
        Self.expectRefused("reconciler publishes coverpay.installment.due") {
            try refused.publish(event("coverpay.installment.due"), exchange: Topology.eventsExchange, routingKey: "coverpay.installment.due", channel: 1)
            try refused.waitForConfirms(channel: 1)
        }
        // The scheduler may, on the same exchange: the refusal is the routing key's, not the exchange's.
        let scheduler = try Self.broker("scheduler")
        try scheduler.publish(event("coverpay.installment.due"), exchange: Topology.eventsExchange, routingKey: "coverpay.installment.due", channel: 1)
        try scheduler.waitForConfirms(channel: 1)
        try LiveServices.isolate()
    }

    @Test("a worker declaring, consuming or purging another worker's queue is refused; its own queues it declares")
    func otherWorkersQueues() throws {
        let collector = try Self.broker("collector")
        // Control: the collector declares its own queues (and is refused the shared exchanges, which
        // the operator's topology apply owns: Topology.declare goes on without them).
        try Topology.declare(CollectorWorker.definition.queues, on: collector, channel: 1)
        let schedulerQueue = try #require(SchedulerWorker.definition.queues.first)
        Self.expectRefused("collector declares \(schedulerQueue.name)") {
            let broker = try Self.broker("collector")
            try Topology.declare([schedulerQueue], on: broker, channel: 1)
        }
        Self.expectRefused("collector consumes \(schedulerQueue.name)") {
            let broker = try Self.broker("collector")
            try broker.consume(queue: schedulerQueue.name, channel: 1)
            _ = try broker.nextDelivery(timeout: .seconds(2))
        }
        Self.expectRefused("collector purges \(schedulerQueue.name)") {
            _ = try Self.broker("collector").purgeQueue(schedulerQueue.name)
        }
        Self.expectRefused("collector deletes coverpay.events") {
            try Self.broker("collector").deleteExchange(Topology.eventsExchange)
        }
    }
}
