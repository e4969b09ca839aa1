import CoverPayCore
import Fleet

/// Who CoverPay debits as, and through which bank: `COVERPAY_ACH_ODFI_ROUTING`, `COVERPAY_ACH_ODFI_NAME`,
/// `COVERPAY_ACH_COMPANY_ID`, `COVERPAY_ACH_COMPANY_NAME`. The defaults describe the sandbox bank.
enum ACHOriginatorSettings {
    static func load(environment: [String: String]) throws -> NACHAOriginator {
        func value(_ name: String, _ fallback: String) -> String { environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback }
        let routingText = value("COVERPAY_ACH_ODFI_ROUTING", "091000019")
        guard let routing = ABARoutingNumber(routingText) else {
            throw CollectorConfigurationError(variable: "COVERPAY_ACH_ODFI_ROUTING", problem: "'\(routingText)' is not nine digits passing the ABA checksum")
        }
        let companyID = value("COVERPAY_ACH_COMPANY_ID", "1234567890")
        guard companyID.count == 10 else {
            throw CollectorConfigurationError(variable: "COVERPAY_ACH_COMPANY_ID", problem: "must be 10 characters (usually '1' and the EIN)")
        }
        let companyName = value("COVERPAY_ACH_COMPANY_NAME", "COVERPAY")
        guard companyName.count <= 16 else {
            throw CollectorConfigurationError(variable: "COVERPAY_ACH_COMPANY_NAME", problem: "must be at most 16 characters")
        }
        return NACHAOriginator(
            odfiRoutingNumber: routing, odfiName: value("COVERPAY_ACH_ODFI_NAME", "SANDBOX BANK"),
            companyIdentification: companyID, companyName: companyName
        )
    }
}
