import Foundation

/// Named crash points for the crash-safety tests (`COVERPAY_FAILPOINT=after_commit:<message id>`):
/// the process kills itself with SIGKILL at that point, as a power cut would. Off unless set.
enum FaultInjection {
    static let failpoint = ProcessInfo.processInfo.environment["COVERPAY_FAILPOINT"]

    static func crashIfArmed(_ point: String, messageID: String) {
        guard let failpoint, failpoint == "\(point):\(messageID)" else { return }
        kill(getpid(), SIGKILL)
    }
}
