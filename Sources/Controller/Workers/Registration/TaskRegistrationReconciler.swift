import Foundation
public import Journal
public import Logging
public import MeshModel

/// Converges the Consul catalog for one task (key `task:<taskArn>`).
///
/// Each run reads the task's folded state from the journal and its metadata (tags, port), then:
/// a task outside the mesh is done and never registered; a mesh task's service is recorded in the
/// ``ServiceTaskIndex``; the catalog is converged to the ``ServiceRegistrationPlan``, skipping the
/// write when the intent equals the last one written; and when the service's live tasks changed
/// (the first event of a task, PROVISIONING included, or its stop), the answer names the service's
/// token key, which the queue marks and runs (the token is then made while ECS starts the task's
/// containers, before they read the secret), also when the catalog write failed (a
/// ``ReconcileFailure``): the token never waits for the registration, nor the registration for the token.
public struct TaskRegistrationReconciler: Sendable {
    private let journal: any JournalStore
    private let metadata: TaskMetadataResolver
    private let catalog: any MeshCatalogWriter
    private let index: ServiceTaskIndex
    private let planConfiguration: MeshPlanConfiguration
    private let catalogWriteLog: CatalogWriteLog

    public init(journal: any JournalStore, metadata: TaskMetadataResolver, catalog: any MeshCatalogWriter,
                index: ServiceTaskIndex, planConfiguration: MeshPlanConfiguration,
                catalogWriteLog: CatalogWriteLog = CatalogWriteLog()) {
        self.journal = journal
        self.catalogWriteLog = catalogWriteLog
        self.metadata = metadata
        self.catalog = catalog
        self.index = index
        self.planConfiguration = planConfiguration
    }

    /// Converges the task `taskArn`.
    /// - Returns: The service's token key to enqueue when the service's live tasks changed.
    /// - Throws: ``WorkerError``; the queue records it and retries. When the catalog write failed
    ///   after the service's live tasks changed, a ``ReconcileFailure`` with that error and the token key.
    public func reconcile(taskArn: String, logger baseLogger: Logger) async throws -> ReconcileResult {
        var logger = baseLogger
        logger[metadataKey: "mesh.task.arn"] = .string(taskArn)
        guard let task = try await WorkerError.journal.wrapping("read task \(taskArn)", { try await journal.task(arn: taskArn) })
        else {
            logger.debug("Task unknown to the journal; nothing to converge")
            return .done
        }
        let settings: MeshTaskSettings
        switch try await metadata.resolve(task, logger: logger) {
        case .notMesh:
            logger.debug("Task is not in the mesh; not registered")
            return .done
        case .invalidConfig(let error):
            // Nothing is registered; the key parks (permanent) with the field named, and the task's
            // admin view shows it under meshConfig.error.
            throw WorkerError.invalidMeshConfig.with("task \(taskArn)", underlying: error)
        case .mesh(_, let resolved):
            settings = resolved
        }
        let serviceName = settings.serviceName
        logger[metadataKey: "mesh.service.name"] = .string(serviceName)

        let service = MeshServiceRef(clusterArn: task.clusterArn, name: serviceName)
        let kindChanged = index.setGatewayKind(settings.gateway?.kind, forService: service.name)
        let change = index.update(taskArn: taskArn, service: service, alive: task.lastStatus != .stopped)
        let tokenWork = change == .membershipChanged || kindChanged ? [service.workKey] : []
        do {
            try await converge(task, settings: settings, logger: logger)
        } catch {
            if tokenWork.isEmpty { throw error }
            throw ReconcileFailure(error, enqueue: tokenWork)
        }
        return .enqueue(tokenWork)
    }

    private func converge(_ task: TaskRecord, settings: MeshTaskSettings, logger: Logger) async throws(WorkerError) {
        // Health reported by the task's heartbeat sidecar (journaled transitions only) wins over
        // the health ECS events carry; STOPPING or an expired heartbeat TTL make every check critical.
        let heartbeatHealth = try await WorkerError.journal.wrapping("read task_health of \(task.taskArn)") {
            try await journal.taskHealth(arn: task.taskArn)?.health
        }
        let plan = ServiceRegistrationPlan(
            task: task, settings: settings, containerHealth: Self.containerHealth(of: task),
            heartbeatHealth: heartbeatHealth, configuration: planConfiguration
        )
        switch plan {
        case .register(let intent):
            let change = intent.change(since: catalogWriteLog.lastWritten(taskArn: task.taskArn))
            guard change != .none else {
                logger.trace("Catalog already holds this registration")
                return
            }
            do {
                try await catalog.write(intent, change: change, logger: logger)
            } catch {
                catalogWriteLog.forget(taskArn: task.taskArn)
                throw WorkerError.consulCatalog.with("register \(intent.service.id) on \(intent.node)", underlying: error)
            }
            catalogWriteLog.recordRegistered(intent, taskArn: task.taskArn)
            logger.debug("Registered task in the catalog", metadata: [
                "mesh.catalog.change": .string(Self.describe(change)),
                "mesh.catalog.service.id": .string(intent.service.id),
            ])
        case .deregister(let node, let serviceIDs):
            do {
                try await catalog.deregister(node: node, serviceIDs: serviceIDs, logger: logger)
            } catch {
                throw WorkerError.consulCatalog.with("deregister \(serviceIDs.joined(separator: ", ")) from \(node)",
                                                     underlying: error)
            }
            catalogWriteLog.forget(taskArn: task.taskArn)
            logger.debug("Deregistered stopped task from the catalog")
        case .skip(let reason):
            logger.debug("No catalog change for the task", metadata: ["mesh.catalog.skip": .string(reason.description)])
        }
    }

    /// Health per container as the events report it; containers without a health check are absent.
    static func containerHealth(of task: TaskRecord) -> [String: ContainerHealth] {
        var health: [String: ContainerHealth] = [:]
        for container in task.containers {
            if let status = container.healthStatus { health[container.name] = ContainerHealth(ecsStatus: status) }
        }
        return health
    }

    private static func describe(_ change: CatalogIntent.Change) -> String {
        switch change {
        case .none: "none"
        case .checks(let checks): "checks:\(checks.count)"
        case .full: "full"
        }
    }
}
