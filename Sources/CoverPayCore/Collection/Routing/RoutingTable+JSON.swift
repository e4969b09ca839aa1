/// `Schemas/rules/routing.json`: `{"version": 1, "rules": [{priority, name, description?, when, then}]}`.
/// `when` keys: payment_methods, states, lines_of_business, holders, card_brands, min_amount,
/// max_amount. `then` is either `{refuse: <failure code>, reason}` or any of `{rail,
/// processors: [{name, weight}], sec_code: PPD|WEB|TEL|CCD|from_authorization}`.
extension RoutingTable {
    public init(json: JSONValue) throws(RoutingTableError) {
        let rulesJSON: [JSONValue]
        do throws(RuleDataError) {
            let document = try RuleObject(json, path: "routing table", allowedKeys: ["version", "rules", "description"])
            guard try document.int("version") == 1 else { throw RuleDataError("only version 1 is supported") }
            guard let array = document.members["rules"]?.arrayValue else { throw RuleDataError("rules must be an array") }
            rulesJSON = array
        } catch { throw .invalidDocument(error.message) }
        var rules: [RoutingRule] = []
        for (index, ruleJSON) in rulesJSON.enumerated() {
            rules.append(try RoutingRule(json: ruleJSON, index: index))
        }
        try self.init(rules: rules)
    }

    public var json: JSONValue {
        .object(["version": .number("1"), "rules": .array(rules.map(\.json))])
    }
}

extension RoutingRule {
    init(json: JSONValue, index: Int) throws(RoutingTableError) {
        let name = json["name"]?.stringValue ?? "rules[\(index)]"
        do throws(RuleDataError) {
            let rule = try RuleObject(json, path: "rule", allowedKeys: ["priority", "name", "description", "when", "then"])
            let when = try RuleObject(rule.members["when"] ?? .object([:]), path: "when", allowedKeys: [
                "payment_methods", "states", "lines_of_business", "holders", "card_brands", "min_amount", "max_amount",
            ])
            self.init(
                priority: try rule.int("priority"), name: try rule.string("name"), description: try rule.optionalString("description"),
                conditions: RoutingConditions(
                    paymentMethods: try when.enumList("payment_methods", PaymentRail.self).map(Set.init),
                    states: try when.stringList("states").map(Set.init),
                    linesOfBusiness: try when.stringList("lines_of_business").map(Set.init),
                    holders: try when.enumList("holders", AccountHolder.self).map(Set.init),
                    cardBrands: try when.stringList("card_brands").map(Set.init),
                    minAmount: try when.money("min_amount"), maxAmount: try when.money("max_amount")
                ),
                action: try RoutingAction(json: rule.members["then"])
            )
        } catch { throw .invalidRule(name, error.message) }
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "priority": .number(String(priority)), "name": .string(name), "when": conditions.json, "then": action.json,
        ]
        if let description { members["description"] = .string(description) }
        return .object(members)
    }
}

extension RoutingConditions {
    var json: JSONValue {
        func list(_ values: [String]?) -> JSONValue? { values.map { .array($0.sorted().map(JSONValue.string)) } }
        let members: [String: JSONValue?] = [
            "payment_methods": list(paymentMethods?.map(\.rawValue)), "states": list(states.map(Array.init)),
            "lines_of_business": list(linesOfBusiness.map(Array.init)), "holders": list(holders?.map(\.rawValue)),
            "card_brands": list(cardBrands.map(Array.init)),
            "min_amount": minAmount.map { .string($0.description) }, "max_amount": maxAmount.map { .string($0.description) },
        ]
        return .object(members.compactMapValues { $0 })
    }
}

extension RoutingAction {
    init(json: JSONValue?) throws(RuleDataError) {
        let then = try RuleObject(json, path: "then", allowedKeys: ["refuse", "reason", "rail", "processors", "sec_code"])
        if then.has("refuse") {
            let code = try then.string("refuse")
            guard let failure = CollectionFailure.routingRefusalCodes[code] else {
                throw RuleDataError("then.refuse '\(code)' is not one of \(CollectionFailure.routingRefusalCodes.keys.sorted())")
            }
            guard !then.has("rail"), !then.has("processors"), !then.has("sec_code") else {
                throw RuleDataError("then.refuse cannot be combined with rail, processors or sec_code")
            }
            self = .refuse(failure, reason: try then.string("reason"))
            return
        }
        guard !then.has("reason") else { throw RuleDataError("then.reason belongs with then.refuse") }
        let rail = try then.optionalString("rail").map { text throws(RuleDataError) in
            guard let rail = PaymentRail(rawValue: text) else { throw RuleDataError("then.rail '\(text)' is not card or ach") }
            return rail
        }
        self = .route(rail: rail, split: try ProcessorSplit(json: then.members["processors"]), secCode: try SECCodeChoice(json: then.members["sec_code"]))
    }

    var json: JSONValue {
        switch self {
        case .refuse(let failure, let reason):
            return .object(["refuse": .string(failure.code), "reason": .string(reason)])
        case .route(let rail, let split, let secCode):
            let members: [String: JSONValue?] = [
                "rail": rail.map { .string($0.rawValue) }, "processors": split?.json, "sec_code": secCode.map { .string($0.name) },
            ]
            return .object(members.compactMapValues { $0 })
        }
    }
}

extension ProcessorSplit {
    init?(json: JSONValue?) throws(RuleDataError) {
        guard let json else { return nil }
        guard let elements = json.arrayValue else { throw RuleDataError("then.processors must be an array") }
        var shares: [Share] = []
        for element in elements {
            let share = try RuleObject(element, path: "then.processors[]", allowedKeys: ["name", "weight"])
            shares.append(Share(processor: try share.string("name"), weight: try share.int("weight")))
        }
        self.init(shares: shares)
    }

    var json: JSONValue {
        .array(shares.map { .object(["name": .string($0.processor), "weight": .number(String($0.weight))]) })
    }
}

extension SECCodeChoice {
    init?(json: JSONValue?) throws(RuleDataError) {
        guard let json else { return nil }
        switch json.stringValue {
        case "from_authorization": self = .fromAuthorization
        case let text?:
            guard let code = SECCode(rawValue: text) else { throw RuleDataError("then.sec_code '\(text)' is not PPD, WEB, TEL, CCD or from_authorization") }
            self = .fixed(code)
        case nil: throw RuleDataError("then.sec_code must be a string")
        }
    }

    var name: String {
        switch self {
        case .fixed(let code): code.rawValue
        case .fromAuthorization: "from_authorization"
        }
    }
}
