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

    @Test("every metric the dashboard queries is exported by a live scheduler or collector")
    func dashboardQueriesExportedMetrics() async throws {
        let names = try Self.dashboardMetricNames()
        #expect(names.count >= 6, "\(names)")
        let scheduler = try WorkerProcess("scheduler")
        let collector = try WorkerProcess("collector", environment: CollectorFixture.environment())
        try await scheduler.waitUntilReady()
        try await collector.waitUntilReady()
        // Work that makes every series exist: a policy billed and charged, events published
        // (some to no consumer), and a dead letter.
        let policy = Events.uniqueID("dashboard")
        try LiveServices.publish(CollectorFixture.issued(policy: policy, paymentMethod: CollectorFixture.card(), start: "2020-01-01", end: "2020-02-01"))
        try LiveServices.publishRaw(Array("{ not json".utf8), routingKey: "coverpay.policy.issued", messageID: Events.uniqueID("bad"))
        try await LiveServices.eventually("the entry is paid", timeout: .seconds(60)) {
            try LiveServices.count("SELECT count(*) AS n FROM scheduler.entries WHERE policy_id = $1 AND is_paid", [policy]) == 1
        }
        var missing: Set<String> = names
        try await LiveServices.eventually("every dashboard metric is exported: \(missing.sorted())", timeout: .seconds(30)) {
            let scraped = Self.exported(await scheduler.body(of: "/metrics")).union(Self.exported(await collector.body(of: "/metrics")))
            missing = names.subtracting(scraped)
            return missing.isEmpty
        }
        #expect(missing.isEmpty, "not exported: \(missing.sorted())")
        try await collector.terminate()
        try await scheduler.terminate()
        try LiveServices.coverpay(["dlq", "purge", "--queue", "scheduler.events", "--note", "dashboard test cleanup"])
    }
}
