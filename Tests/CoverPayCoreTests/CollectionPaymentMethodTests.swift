import Testing
@testable import CoverPayCore

@Suite("Collection: payment methods and ABA routing numbers")
struct CollectionPaymentMethodTests {
    @Test(arguments: [
        ("011000015", true), ("021000021", true), ("091000019", true), ("121000248", true), ("026009593", true),
        ("021000022", false), ("012000015", false), ("02100002", false), ("0210000211", false), ("02100002a", false),
        ("", false), ("000000000", true), ("123456789", false),
    ])
    func abaChecksum(routing: String, valid: Bool) {
        #expect(ABARoutingNumber.isValid(routing) == valid)
        #expect((ABARoutingNumber(routing) != nil) == valid)
    }

    @Test func abaParts() throws {
        let routing = try #require(ABARoutingNumber("091000019"))
        #expect(routing.institutionIdentification == "09100001")
        #expect(routing.checkDigit == "9")
    }

    @Test func everySingleDigitTypoIsCaught() {
        // The checksum weights 3, 7, 1 are coprime with 10, so any one changed digit breaks it.
        let valid = Array("026009593")
        for position in valid.indices {
            for digit in "0123456789" where digit != valid[position] {
                var typo = valid
                typo[position] = digit
                #expect(!ABARoutingNumber.isValid(String(typo)), "\(String(typo))")
            }
        }
    }

    @Test func parsesCard() throws {
        let method = try PaymentMethod(json: CollectionFixtures.json(#"{"type":"card","token":"tok_success","brand":"Visa","last4":"4242","funding":"debit"}"#))
        guard case .card(let card) = method else { Issue.record("not a card"); return }
        #expect(card.token == "tok_success")
        #expect(card.brand == .visa)
        #expect(card.funding == .debit)
        #expect(!card.mayCarrySurcharge)
        #expect(method.rail == .card)
        #expect(method.maskedSummary == "visa ****4242")
    }

    @Test func cardWithoutFundingIsUnknownAndNeverSurcharged() throws {
        let method = try PaymentMethod(json: CollectionFixtures.json(#"{"type":"card","token":"tok_x","brand":"mastercard","last4":"5454"}"#))
        guard case .card(let card) = method else { Issue.record("not a card"); return }
        #expect(card.funding == .unknown)
        #expect(!card.mayCarrySurcharge)
    }

    @Test func parsesACHAndMasksTheAccount() throws {
        let json = CollectionFixtures.json(#"""
        {"type":"ach","routing_number":"021000021","account_number":"000123456789","account_type":"savings",
         "holder":"consumer","authorization":{"id":"auth-9","method":"online","at":"2026-01-05T10:00:00Z"}}
        """#)
        let method = try PaymentMethod(json: json)
        guard case .ach(let ach) = method else { Issue.record("not ACH"); return }
        #expect(ach.routingNumber.digits == "021000021")
        #expect(ach.accountType == .savings)
        #expect(ach.holder == .consumer)
        #expect(ach.authorization?.method == .online)
        #expect(ach.maskedAccountNumber == "****6789")
        let masked = method.masked.serialized()
        #expect(!masked.contains("000123456789"))
        #expect(masked.contains("****6789"))
        #expect(method.maskedSummary == "ach savings ****6789")
    }

    @Test func achWithoutAuthorizationParses() throws {
        let method = try PaymentMethod(json: CollectionFixtures.json(
            #"{"type":"ach","routing_number":"021000021","account_number":"12345678","account_type":"checking","holder":"business"}"#
        ))
        guard case .ach(let ach) = method else { Issue.record("not ACH"); return }
        #expect(ach.authorization == nil)
    }

    @Test(arguments: [
        (#"[]"#, PaymentMethodError.notAnObject),
        (#"{"type":"paypal"}"#, .unsupportedType("paypal")),
        (#"{"brand":"visa"}"#, .missingField("type")),
        (#"{"type":"card","brand":"visa","last4":"4242"}"#, .missingField("token")),
        (#"{"type":"card","token":"4111111111111111","brand":"visa","last4":"1111"}"#,
         .invalidField("token", "must be a processor token starting with 'tok_'")),
        (#"{"type":"card","token":"tok_a","brand":"visa","last4":"42a2"}"#, .invalidField("last4", "must be exactly four digits")),
        (#"{"type":"card","token":"tok_a","brand":"visa","last4":"4242","funding":"charge"}"#,
         .invalidField("funding", "'charge' is not credit, debit or prepaid")),
        (#"{"type":"ach","routing_number":"021000022","account_number":"1234","account_type":"checking","holder":"consumer"}"#,
         .invalidRoutingNumber),
        (#"{"type":"ach","routing_number":"021000021","account_number":"12","account_type":"checking","holder":"consumer"}"#,
         .invalidField("account_number", "must be 4 to 17 digits")),
        (#"{"type":"ach","routing_number":"021000021","account_number":"1234","account_type":"money_market","holder":"consumer"}"#,
         .invalidField("account_type", "'money_market' is not one of the accepted values")),
        (#"{"type":"ach","routing_number":"021000021","account_number":"1234","account_type":"checking","holder":"consumer","authorization":{"id":"a","method":"fax","at":"x"}}"#,
         .invalidField("method", "'fax' is not one of the accepted values")),
    ])
    func refusesInvalidPaymentMethods(json: String, expected: PaymentMethodError) {
        #expect(throws: expected) { try PaymentMethod(json: CollectionFixtures.json(json)) }
    }

    @Test func parseErrorsMapToFailureCodes() {
        #expect(PaymentMethodError.invalidRoutingNumber.collectionFailure.code == "invalid_routing_number")
        #expect(PaymentMethodError.missingField("token").collectionFailure.code == "invalid_payment_method")
    }

    @Test(arguments: [
        (AccountHolder.business, AuthorizationMethod?.some(.written), SECCode?.some(.ccd)),
        (.business, nil, .ccd),
        (.consumer, .written, .ppd),
        (.consumer, .online, .web),
        (.consumer, .phone, .tel),
        (.consumer, nil, nil),
    ])
    func secCodeFollowsTheAuthorization(holder: AccountHolder, method: AuthorizationMethod?, expected: SECCode?) {
        let authorization = method.map { ACHAuthorization(id: "a", method: $0, at: "2026-01-01T00:00:00Z") }
        #expect(SECCode.implied(holder: holder, authorization: authorization) == expected)
    }
}
