import Foundation
@testable import CoverPayCore

/// Shared fixtures for the Collection tests: the repository's rule files and sample payment methods.
enum CollectionFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func ruleFile(_ name: String) throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: repositoryRoot.appendingPathComponent("Schemas/rules/\(name)")))
    }

    static func routingTable() throws -> RoutingTable { try RoutingTable(json: ruleFile("routing.json")) }
    static func complianceRules() throws -> ComplianceRules { try ComplianceRules(json: ruleFile("states.json")) }

    static func json(_ text: String) -> JSONValue { try! JSONValue.parse(Array(text.utf8)) }

    static func card(brand: CardBrand = .visa, funding: CardFunding = .credit, token: String = "tok_success") -> PaymentMethod {
        .card(CardPaymentMethod(token: token, brand: brand, last4: "4242", funding: funding))
    }

    static func ach(
        holder: AccountHolder = .consumer, method: AuthorizationMethod? = .written, accountType: ACHAccountType = .checking,
        accountNumber: String = "123456789"
    ) -> PaymentMethod {
        .ach(ACHPaymentMethod(
            routingNumber: ABARoutingNumber("021000021")!, accountNumber: accountNumber, accountType: accountType, holder: holder,
            authorization: method.map { ACHAuthorization(id: "auth-1", method: $0, at: "2026-01-05T10:00:00Z") }
        ))
    }

    static func money(_ text: String) -> Money { try! Money(parsing: text) }

    static func date(_ text: String) -> CalendarDate { try! CalendarDate(iso: text) }
}
