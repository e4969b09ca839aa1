import CoverPayCore
import Postgres

/// `coverpay routes test`: the decision the collector would take now for a policy's installment,
/// without collecting anything.
public struct RouteTest {
    public let policy: CollectorPolicy
    public let amount: Money
    public let table: RoutingTable
    public let outcome: Result<CollectionPlan, CollectionRefusal>

    public init(policyID: String, amount: Money?, _ database: PostgresConnection) throws {
        let settings = try CollectorSettings.load()
        guard let policy = try CollectorPolicyStore.load(policyID, database) else {
            throw RuleFileError("the collector knows no policy '\(policyID)' (no coverpay.policy.issued consumed)")
        }
        guard let amount = try amount ?? Self.nextInstallment(policyID, database) else {
            throw RuleFileError("policy '\(policyID)' has no open installment; pass --amount")
        }
        self.policy = policy
        self.amount = amount
        table = try RoutingRuleStore.table(database, seedFrom: RoutingRuleStore.defaultFile(schemasDirectory: settings.schemasDirectory))
        let request = CollectionRequest(
            installmentID: "\(policyID):test", paymentMethod: try policy.paymentMethod?.unsealed(with: settings.encryption),
            currency: "USD", state: policy.state ?? "", lineOfBusiness: policy.lineOfBusiness ?? "", amount: amount,
            policyCancelled: policy.cancelled, accountValidated: policy.accountValidated
        )
        outcome = CollectionPlanner.plan(request, routing: table, compliance: try ComplianceRuleFile.load(schemasDirectory: settings.schemasDirectory))
    }

    /// The total of the policy's next unpaid Valid entry in the scheduler's tables.
    private static func nextInstallment(_ policyID: String, _ database: PostgresConnection) throws -> Money? {
        try database.query(
            """
            SELECT total_cents FROM scheduler.entries WHERE policy_id = $1 AND status = 'Valid' AND NOT is_paid AND total_cents > 0
            ORDER BY schedule_date, entry_number LIMIT 1
            """,
            [policyID]
        ).first.map { Money(cents: try $0.decode("total_cents")) }
    }
}
