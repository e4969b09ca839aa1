/// Who originates CoverPay's debits and through which bank (ODFI): the fixed parts of every file.
public struct NACHAOriginator: Sendable, Hashable {
    /// The ODFI's routing number: immediate destination, ODFI identification and trace-number prefix.
    public var odfiRoutingNumber: ABARoutingNumber
    public var odfiName: String
    /// 10 characters, usually "1" and the originator's EIN.
    public var companyIdentification: String
    /// 16 characters at most; shown on the receiver's bank statement.
    public var companyName: String

    public init(odfiRoutingNumber: ABARoutingNumber, odfiName: String, companyIdentification: String, companyName: String) {
        self.odfiRoutingNumber = odfiRoutingNumber
        self.odfiName = odfiName
        self.companyIdentification = companyIdentification
        self.companyName = companyName
    }

    /// ODFI identification and a 7-digit sequence: unique per file and, with a database sequence, per day.
    public func traceNumber(sequence: Int) -> String {
        odfiRoutingNumber.institutionIdentification + NACHAField.numeric(Int64(sequence), 7)
    }
}

/// One debit to put into a file.
public struct NACHADebit: Sendable, Hashable {
    public var account: ACHPaymentMethod
    public var secCode: SECCode
    public var amount: Money
    public var effectiveDate: CalendarDate
    /// The identification the receiver sees (the policy number), at most 15 characters.
    public var individualIdentification: String
    public var individualName: String
    /// A reinitiation after a return goes in a "RETRY PYMT" batch.
    public var isReinitiation: Bool
    /// 1...9,999,999, allocated by the collector (a database sequence) so trace numbers never repeat.
    public var traceSequence: Int

    public init(
        account: ACHPaymentMethod, secCode: SECCode, amount: Money, effectiveDate: CalendarDate,
        individualIdentification: String, individualName: String, isReinitiation: Bool = false, traceSequence: Int
    ) {
        self.account = account
        self.secCode = secCode
        self.amount = amount
        self.effectiveDate = effectiveDate
        self.individualIdentification = individualIdentification
        self.individualName = individualName
        self.isReinitiation = isReinitiation
        self.traceSequence = traceSequence
    }
}
