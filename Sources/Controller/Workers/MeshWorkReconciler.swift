public import Logging
import MeshModel

/// The queue's one ``Reconciler``: routes each key to the worker that owns it.
///
/// `task:` keys go to the registration worker, `service:<name>` keys to the token worker,
/// `client-token` to the client-token worker, `resync` (a sweep an operator asked a follower for)
/// to the resync service. A legacy per-cluster `service:<cluster>/<name>` key
/// (journals written before token keys became per name) answers with its name's key to enqueue and
/// is then done, so one worker per name stays true across the upgrade. A key nobody owns fails (and is
/// parked after the attempt limit), so it stays visible instead of vanishing.
public struct MeshWorkReconciler: Reconciler {
    private let registration: TaskRegistrationReconciler
    private let tokens: ServiceTokenReconciler
    private let clientToken: ClientTokenReconciler?
    private let resync: ResyncTriggerSlot

    public init(registration: TaskRegistrationReconciler, tokens: ServiceTokenReconciler,
                clientToken: ClientTokenReconciler?, resync: ResyncTriggerSlot = ResyncTriggerSlot()) {
        self.registration = registration
        self.tokens = tokens
        self.clientToken = clientToken
        self.resync = resync
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
        case .resync?:
            guard let resync = resync.resync else {
                logger.info("Resync key found but resync is disabled here; nothing to do")
                return .done
            }
            let outcome = await resync.requestResync(reason: "asked on a replica that follows (work key \(key))")
            logger.info("Resync asked through the journal", metadata: [
                "mesh.resync.sweep": .stringConvertible(outcome.sweep),
                "mesh.resync.coalesced": .stringConvertible(outcome.coalesced),
            ])
            return .done
        case nil:
            throw WorkerError.unknownKey.with("no worker owns key \(key)")
        }
    }
}
