/// The status of one attempt (DESIGN §12). ACH attempts stay `pending` until the reconciler sees
/// them settle or come back.
public enum PaymentStatus: String, Sendable, CaseIterable {
    case pending, succeeded, failed, unknown, returned, settled

    /// An attempt that collected, or may still collect, the installment: no other may start.
    var blocksNewAttempt: Bool {
        switch self {
        case .pending, .unknown, .succeeded, .settled: true
        case .failed, .returned: false
        }
    }
}
