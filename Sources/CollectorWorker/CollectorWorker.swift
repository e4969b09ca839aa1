import Fleet
import Foundation

/// The `collector` worker: keeps a copy of each policy's payment method and status, and collects
/// each `installment.due` by card (sandbox processors) or ACH (NACHA files). docs/collection.md.
public enum CollectorWorker {
    public static let name = "collector"

    public static let policiesQueue = QueueDefinition(
        name: "collector.policies",
        routingKeys: ["coverpay.policy.issued", "coverpay.payment_method.updated", "coverpay.policy.cancelled", "coverpay.policy.reinstated"]
    )
    public static let installmentsQueue = QueueDefinition(name: "collector.installments", routingKeys: ["coverpay.installment.due"])
    /// The reconciler's verdicts on attempts: collector.payments.status follows them.
    public static let outcomesQueue = QueueDefinition(
        name: "collector.outcomes", routingKeys: ["coverpay.payment.succeeded", "coverpay.payment.settled", "coverpay.payment.returned"]
    )

    public static let definition: WorkerDefinition = {
        // The CLI lists this definition for topology without collector settings; jobs need them.
        let settings = try? CollectorSettings.current.get()
        let cards = CardAttempt(processors: CardProcessors.sandboxes(databaseURL: settings?.databaseURL ?? "", settings: settings?.sandboxCard ?? SandboxCardSettings()))
        let dispatcher = settings.map { CardDispatcher(attempt: cards, settings: $0) }
        var jobs: [any ScheduledJob] = []
        if let settings, let dispatcher { jobs = [dispatcher, ACHFileJob(settings: settings)] }
        return WorkerDefinition(
            name: name, defaultHTTPPort: 19102,
            handlers: [PolicyEventHandler(), InstallmentDueHandler(cards: cards, dispatcher: dispatcher), PaymentOutcomeHandler()],
            jobs: jobs
        )
    }()

    /// Stops the process with one clear line when the collector's own settings are unusable (e.g.
    /// no encryption key in production); called by the executable before the runtime starts.
    public static func checkEnvironment() {
        if case .failure(let error) = CollectorSettings.current {
            FileHandle.standardError.write(Data("collector: configuration error: \(error)\n".utf8))
            exit(2)
        }
    }
}
