import CoverPayCore
import Fleet
import Postgres

/// Queues one ACH debit: a trace number from the database sequence, the effective date, and the
/// account sealed with the attempt. The `ACHFileJob` puts it into the next NACHA file; the attempt
/// stays `pending` until the reconciler sees it settle or come back.
enum ACHAttempt {
    static func queue(
        _ payment: PaymentRecord, account: ACHPaymentMethod, secCode: SECCode, scheduleDate: CalendarDate, policyNumber: String,
        context: HandlerContext, settings: CollectorSettings
    ) throws {
        var payment = payment
        let sequence: Int = try context.database.query("SELECT nextval('collector.ach_trace_seq') AS n")[0].decode("n")
        payment.ach = PaymentRecord.ACHDetails(
            secCode: secCode,
            effectiveDate: effectiveDate(scheduleDate: scheduleDate, today: try CalendarDate(iso: context.businessDate())),
            traceNumber: settings.originator.traceNumber(sequence: sequence),
            accountCiphertext: try settings.encryption.seal(account.accountNumber),
            receiverName: String((account.holderName ?? policyNumber).prefix(22)),
            individualIdentification: String(policyNumber.prefix(15))
        )
        guard try PaymentStore.insert(payment, context.database) else { return }
        let events = PaymentEvents(database: context.database, traceID: context.traceID)
        try events.routed(payment)
        try events.attempted(payment)
    }

    /// The schedule date (debits go out a banking day early to settle on it), moved to a banking
    /// day, and never earlier than the next banking day: a file cannot settle on the day it is sent.
    static func effectiveDate(scheduleDate: CalendarDate, today: CalendarDate) -> CalendarDate {
        let calendar = BankingCalendar.federalReserve
        let wanted = calendar.isBankingDay(scheduleDate) ? scheduleDate : calendar.nextBankingDay(after: scheduleDate)
        return max(wanted, calendar.nextBankingDay(after: today))
    }
}
