@testable import CoverPayCore
import Testing

@Suite("Card numbers in events")
struct PANScannerTests {
    @Test("card numbers are found however cards print them", arguments: [
        "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "pay with 5500 0000 0000 0004 today",
        "3782 822463 10005", "378282246310005", "6011000990139424", "4222222222222",
    ])
    func found(_ text: String) {
        #expect(PANScanner.containsPAN(text))
    }

    @Test("digits that are not card numbers pass", arguments: [
        "82147736-8804-4442-80fc-df9a441c3c42", // a UUID whose digit groups pass Luhn together
        "688e1234-5678-9018-005e-4a7393c3562a", // a UUID whose digits between letters are grouped 4-4-4-3 and pass Luhn
        "ref4111111111111111", "4111111111111111x", // digits that are part of a word
        "4111111111111112", // fails Luhn
        "2026-11-23T17:50:17Z", "+1 415 555 0100", "1234.50", "011000015",
        "41111111111111110000000", // a 23-digit reference holding a valid PAN
        "4111 11111111 1111", // not a card grouping
    ])
    func notFound(_ text: String) {
        #expect(!PANScanner.containsPAN(text))
    }

    @Test("masking keeps the last four digits and the separators")
    func masking() {
        #expect(PANScanner.masked("card 4111 1111 1111 1111.") == "card **** **** **** 1111.")
        #expect(PANScanner.masked("{\"n\":\"4111111111111111\",\"id\":\"82147736-8804-4442\"}")
            == "{\"n\":\"************1111\",\"id\":\"82147736-8804-4442\"}")
    }
}

@Suite("Event validation")
struct EventValidatorTests {
    static let schema = JSONSchema(try! JSONValue.parse(Array("""
        {"type": "object", "required": ["policy_id", "amount"], "additionalProperties": false,
         "properties": {"policy_id": {"type": "string", "minLength": 1},
                        "amount": {"type": "string", "pattern": "^-?[0-9]+(\\\\.[0-9]{1,2})?$"},
                        "payment_method": {"type": "object"}}}
        """.utf8)))
    static let validator = EventValidator(schemas: ["coverpay.test.happened": schema])

    static func body(type: String = "coverpay.test.happened", data: String) -> [UInt8] {
        Array("{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"t\",\"type\":\"\(type)\",\"subject\":\"P1\",\"data\":\(data)}".utf8)
    }

    func reason(_ body: [UInt8]) -> EventValidator.Reason? {
        if case .failure(let rejection) = Self.validator.validate(body) { return rejection.reason }
        return nil
    }

    @Test("a valid event passes with its fields")
    func valid() throws {
        let event = try Self.validator.validate(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"12.50\"}")).get()
        #expect(event.type == "coverpay.test.happened")
        #expect(event.policyID == "P1")
        #expect(event.data["amount"] == .string("12.50"))
    }

    @Test("each kind of bad input gets its reason")
    func reasons() {
        #expect(reason(Array("{not json".utf8)) == .invalidJSON)
        #expect(reason(Array("{\"id\":\"x\"}".utf8)) == .invalidEnvelope)
        #expect(reason(Self.body(type: "coverpay.test.unheard_of", data: "{}")) == .unknownType)
        #expect(reason(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"12.505\"}")) == .schemaViolation)
        #expect(reason(Self.body(data: "{\"policy_id\":\"P1\"}")) == .schemaViolation)
        #expect(reason(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"extra\":1}")) == .schemaViolation)
        #expect(reason(Self.body(data: "{\"policy_id\":\"4111 1111 1111 1111\",\"amount\":\"1.00\"}")) == .panRejected)
        #expect(reason(Self.body(data: "{\"policy_id\":\"P2\",\"amount\":\"1.00\"}")) == .policyMismatch)
    }

    @Test("a NUL character, which PostgreSQL cannot store, is refused at once with its path; the text \\u0000 is not")
    func nulCharacter() throws {
        // The fuzz run saw these fail at the database five times over before reaching the DLQ.
        guard case .failure(let rejection) = Self.validator.validate(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"payment_method\":{\"note\":\"a\\u0000b\"}}")) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.reason == .schemaViolation)
        #expect(rejection.detail.contains("$.data.payment_method.note"))
        #expect(reason(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"payment_method\":{\"a\\u0000\":1}}")) == .schemaViolation)
        // An escaped backslash followed by "u0000" is six ordinary characters.
        let literal = try Self.validator.validate(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"payment_method\":{\"note\":\"C:\\\\u0000\"}}")).get()
        #expect(literal.data["payment_method"]?["note"]?.stringValue == "C:\\u0000")
    }

    @Test("a schema violation names the path and the rule")
    func schemaDetail() throws {
        guard case .failure(let rejection) = Self.validator.validate(Self.body(data: "{\"policy_id\":\"P1\",\"amount\":\"12.505\"}")) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.detail.contains("data.amount"))
        #expect(rejection.detail.contains("12.505"))
    }

    @Test("a card number is masked in the stored body, even in broken JSON")
    func maskedBody() {
        guard case .failure(let rejection) = Self.validator.validate(Array("{\"pan\": \"4111111111111111\", oops".utf8)) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.reason == .invalidJSON)
        #expect(String(decoding: rejection.body, as: UTF8.self).contains("************1111"))
    }

    @Test("an ACH account number that happens to pass Luhn is not a card number")
    func bankAccountExempt() {
        let ach = "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"payment_method\":{\"type\":\"ach\",\"account_number\":\"4111111111111111\"}}"
        #expect(reason(Self.body(data: ach)) == nil)
        let card = "{\"policy_id\":\"P1\",\"amount\":\"1.00\",\"payment_method\":{\"type\":\"card\",\"account_number\":\"4111111111111111\"}}"
        #expect(reason(Self.body(data: card)) == .panRejected)
    }
}
