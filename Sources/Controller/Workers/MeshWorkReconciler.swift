public import Logging
import MeshModel

/// The queue's one ``Reconciler``: routes each key to the worker that owns it.
///
/// `task:` keys go to the registration worker, `service:<name>` keys to the token worker,
/// `client-token` to the client-token worker. A legacy per-cluster `service:<cluster>/<name>` key
/// (journals written before token keys became per name) answers with its name's key to enqueue and
/// is then done, so one worker per name stays true across the upgrade. A key nobody owns fails (and is
/// parked after the attempt limit), so it stays visible instead of vanishing.
public struct MeshWorkReconciler: Reconciler {
    private let registration: TaskRegistrationReconciler
    private let tokens: ServiceTokenReconciler
    private let clientToken: ClientTokenReconciler?

    public init(registration: TaskRegistrationReconciler, tokens: ServiceTokenReconciler,
                clientToken: ClientTokenReconciler?) {
        self.registration = registration
        self.tokens = tokens
        self.clientToken = clientToken
    }

    public func reconcile(key: String, logger: Logger) async throws -> ReconcileResult {
        switch WorkKey(key) {
        case .task(let arn)?:
            return try await registration.reconcile(taskArn: arn, logger: logger)
        case .service(let name)?:
            return try await tokens.reconcile(serviceName: name, logger: logger)
        case .legacyService(_, let name)?:
            let current = WorkKey.service(name: name).rawValue
            logger.info("Legacy per-cluster token key handed to its service's key", metadata: [
                "mesh.work.enqueue": .string(current),
            ])
            return .enqueue([current])
        case .clientToken?:
            guard let clientToken else {
                logger.info("Client token key found but mesh.clientToken is off; nothing to do")
                return .done
            }
            try await clientToken.reconcile(logger: logger)
            return .done
        case nil:
            throw WorkerError.unknownKey.with("no worker owns key \(key)")
        }
    }
}
