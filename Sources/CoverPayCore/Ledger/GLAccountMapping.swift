/// Which QuickBooks Online account each ledger account posts to (`COVERPAY_QBO_ACCOUNT_MAP`, a JSON
/// object: `{"1010": "35", "2010": {"id": "40", "name": "Carrier payable"}}`). A sub-account such as
/// a carrier payable `2010-C1` uses its own mapping when it has one, else its parent's. An account
/// with neither is an error that stops the sync at that entry: nothing is skipped.
public struct GLAccountMapping: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public let id: String
        public let name: String?

        public init(id: String, name: String? = nil) {
            self.id = id
            self.name = name
        }
    }

    public let targets: [String: Target]

    public init(_ targets: [String: Target]) {
        self.targets = targets
    }

    public init(json text: String) throws(GLMappingError) {
        let document: JSONValue
        do { document = try JSONValue.parse(Array(text.utf8)) } catch { throw .invalid("not JSON: \(error)") }
        guard let members = document.objectValue else { throw .invalid("expected a JSON object of ledger account code to QuickBooks account") }
        var targets: [String: Target] = [:]
        for (code, value) in members {
            if let id = value.stringValue, !id.isEmpty {
                targets[code] = Target(id: id)
            } else if let id = value["id"]?.stringValue, !id.isEmpty {
                targets[code] = Target(id: id, name: value["name"]?.stringValue)
            } else {
                throw .invalid("account \(code): expected a QuickBooks account id or {\"id\": …, \"name\": …}")
            }
        }
        self.targets = targets
    }

    public func target(for line: LedgerLine) throws(GLMappingError) -> Target {
        if let target = targets[line.accountCode] { return target }
        if let parent = line.parentCode, let target = targets[parent] { return target }
        throw .missing(accountCode: line.accountCode, accountName: line.accountName)
    }
}

public enum GLMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case missing(accountCode: String, accountName: String)

    public var code: String {
        switch self {
        case .invalid: "mapping_invalid"
        case .missing: "mapping_missing"
        }
    }

    public var description: String {
        switch self {
        case .invalid(let problem): "COVERPAY_QBO_ACCOUNT_MAP: \(problem)"
        case .missing(let code, let name):
            "no QuickBooks account is mapped for ledger account \(code) (\(name)); add it to COVERPAY_QBO_ACCOUNT_MAP"
        }
    }
}
