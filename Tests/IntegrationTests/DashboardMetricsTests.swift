import CoverPayCore
import Foundation
import Testing

/// The Grafana dashboard (Deploy/grafana/dashboards/coverpay.json) charts only metrics the workers
/// really export: every metric name in its queries appears in a live worker's /metrics.
@Suite("Dashboard metrics", .serialized)
struct DashboardMetricsTests {
    init() throws { try LiveServices.isolate() }

    static func dashboardMetricNames() throws -> Set<String> {
        let url = LiveServices.repositoryRoot.appendingPathComponent("Deploy/grafana/dashboards/coverpay.json")
        let dashboard = try JSONValue.parse(Array(try Data(contentsOf: url)))
        let expressions = (dashboard["panels"]?.arrayValue ?? []).flatMap { $0["targets"]?.arrayValue ?? [] }.compactMap { $0["expr"]?.stringValue }
        let pattern = try Regex("coverpay_[a-z0-9_]+")
        return Set(expressions.flatMap { $0.matches(of: pattern).map { String($0.output[0].substring ?? "") } })
    }

    /// Metric names with at least one sample in a Prometheus text exposition.
    static func exported(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            line.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
        })
    }

    @Test("every metric the dashboard queries is exported by a live worker: runtime, retries, delinquency and trust check")
    func dashboardQueriesExportedMetrics() async throws {
        let names = try Self.dashboardMetricNames()
        #expect(names.count >= 6, "\(names)")
        for name in ["coverpay_retries_scheduled_total", "coverpay_retries_stopped_total", "coverpay_delinquency_policies",
                     "coverpay_trust_cash_cents", "coverpay_trust_fiduciary_liabilities_cents", "coverpay_trust_breach"] {
            #expect(names.contains(name), "the dashboard charts \(name)")
        }
        let workers = [
            try WorkerProcess("scheduler"), try WorkerProcess("collector", environment: CollectorFixture.environment()),
            try WorkerProcess("retrier"), try WorkerProcess("accounting-sync"),
        ]
        for worker in workers { try await worker.waitUntilReady() }
        // Work that makes every series exist: a policy billed and charged (and posted: the trust
        // check runs), one soft-declined (a retry scheduled), one hard-declined (retries stopped,
        // delinquency), events published (some to no consumer), and a dead letter.
        let paid = Events.uniqueID("dashboard"), soft = Events.uniqueID("dashboard-soft"), hard = Events.uniqueID("dashboard-hard")
        for (policy, token) in [(paid, "tok_success"), (soft, "tok_insufficient_funds"), (hard, "tok_stolen_card")] {
            try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(token: token), start: "2020-01-01", end: "2020-02-01"))
        }
        let bad = Events.uniqueID("bad")
        try LiveServices.publishRaw(Array("{ not json".utf8), routingKey: "coverpay.policy.issued", messageID: bad)
        try await LiveServices.eventually("the entry is paid and posted, the declines decided", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND is_paid", [paid]) == 1
                && LiveServices.count("SELECT count(*) AS n FROM ledger.journal_entries WHERE policy_id = $1", [paid]) >= 1
                && LiveServices.count("SELECT count(*) AS n FROM retrier.installments WHERE policy_id = ANY($1::text[]) AND status IN ('retrying', 'stopped')", ["{\(soft),\(hard)}"]) == 2
        }
        var missing: Set<String> = names
        try await LiveServices.eventually("every dashboard metric is exported: \(missing.sorted())", timeout: .seconds(30)) {
            var scraped: Set<String> = []
            for worker in workers { scraped.formUnion(Self.exported(await worker.body(of: "/metrics"))) }
            missing = names.subtracting(scraped)
            return missing.isEmpty
        }
        #expect(missing.isEmpty, "not exported: \(missing.sorted())")
        for worker in workers.reversed() { try await worker.terminate() }
        try LiveServices.coverpay(["dlq", "purge", "--id", bad, "--note", "dashboard test cleanup"])
    }
}
