import Foundation

/// Named crash points for the crash-safety tests (`COVERPAY_FAILPOINT=<point>:<message id>`, e.g.
/// `after_commit:…` here, `after_charge:…` in the collector): the process kills itself with
/// SIGKILL at that point, as a power cut would. Off unless set.
public enum FaultInjection {
    static let failpoint = ProcessInfo.processInfo.environment["COVERPAY_FAILPOINT"]

    public static func crashIfArmed(_ point: String, messageID: String) {
        guard let failpoint, failpoint == "\(point):\(messageID)" else { return }
        kill(getpid(), SIGKILL)
    }
}
