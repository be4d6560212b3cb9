public import Logging
import MeshModel

/// The queue's one ``Reconciler``: routes each key to the worker that owns it.
///
/// `task:` keys go to the registration worker, `service:` keys to the token worker, `client-token`
/// to the client-token worker. A key nobody owns fails (and is parked after the attempt limit), so it
/// stays visible instead of vanishing.
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

    public func reconcile(key: String, logger: Logger) async throws {
        switch WorkKey(key) {
        case .task(let arn)?:
            try await registration.reconcile(taskArn: arn, logger: logger)
        case .service(let service)?:
            try await tokens.reconcile(service: service, logger: logger)
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
