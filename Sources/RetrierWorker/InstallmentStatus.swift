/// Where an installment stands for the retrier (`retrier.installments.status`). `retrying` and
/// `stopped` are the arrears: what delinquency and `past_due_amount` are made of.
enum InstallmentStatus: String {
    /// Announced, no failure yet.
    case open
    /// Failed; its next attempt is scheduled.
    case retrying
    /// Failed; no retry with this payment method (an operator or a new method decides).
    case stopped
    case paid
    case writtenOff = "written_off"
    /// The scheduler made the entry Invalid: nothing is owed.
    case invalid

    /// Settled one way or another: nothing more happens to it.
    var isClosed: Bool { self == .paid || self == .writtenOff || self == .invalid }
}
