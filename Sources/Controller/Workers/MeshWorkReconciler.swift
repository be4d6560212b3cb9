public import Logging
import MeshModel

/// The queue's one ``Reconciler``: routes each key to the worker that owns it.
///
/// `task:` keys go to the registration worker, `service:<name>` keys to the token worker,
/// `client-token` to the client-token worker. A legacy per-cluster `service:<cluster>/<name>` key
/// (journals written before token keys became per name) hands its name's key to the queue and is
/// then done, so one worker per name stays true across the upgrade. A key nobody owns fails (and is
/// parked after the attempt limit), so it stays visible instead of vanishing.
public struct MeshWorkReconciler: Reconciler {
    private let registration: TaskRegistrationReconciler
    private let tokens: ServiceTokenReconciler
    private let clientToken: ClientTokenReconciler?
    private let tokenWork: any WorkEnqueuing

    public init(registration: TaskRegistrationReconciler, tokens: ServiceTokenReconciler,
                clientToken: ClientTokenReconciler?, tokenWork: any WorkEnqueuing) {
        self.registration = registration
        self.tokens = tokens
        self.clientToken = clientToken
        self.tokenWork = tokenWork
    }

    public func reconcile(key: String, logger: Logger) async throws {
        switch WorkKey(key) {
        case .task(let arn)?:
            try await registration.reconcile(taskArn: arn, logger: logger)
        case .service(let name)?:
            try await tokens.reconcile(serviceName: name, logger: logger)
        case .legacyService(_, let name)?:
            let current = WorkKey.service(name: name).rawValue
            do {
                try await tokenWork.enqueue([current])
            } catch {
                throw WorkerError.journal.with("mark \(current) for legacy key \(key)", underlying: error)
            }
            logger.info("Legacy per-cluster token key handed to its service's key", metadata: [
                "mesh.work.key": .string(current),
            ])
        case .clientToken?:
            guard let clientToken else {
                logger.info("Client token key found but mesh.clientToken is off; nothing to do")
                return
            }
            try await clientToken.reconcile(logger: logger)
        case nil:
            throw WorkerError.unknownKey.with("no worker owns key \(key)")
        }
    }
}
