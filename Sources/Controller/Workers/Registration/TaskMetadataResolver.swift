public import AWS
public import Foundation
public import Journal
public import Logging
public import MeshModel

/// Looks up one task in ECS (tags included); ``TaskDescriptionCache`` conforms, batching lookups.
public protocol ECSTaskLookup: Sendable {
    /// The task, or `nil` when ECS does not know it.
    func task(arn: String, cluster: String) async throws -> ECSTask?
}

/// Looks up one task definition; ``TaskDefinitionCache`` conforms.
public protocol ECSTaskDefinitionLookup: Sendable {
    func taskDefinition(arn: String) async throws -> ECSTaskDefinition
}

extension TaskDescriptionCache: ECSTaskLookup {}
extension TaskDefinitionCache: ECSTaskDefinitionLookup {}

/// What a task is to the mesh, as ``TaskMetadataResolver`` resolved it.
public enum TaskResolution: Sendable, Equatable {
    /// Not in the mesh.
    case notMesh
    /// In the mesh, registered with `settings`.
    case mesh(TaskMeta, MeshTaskSettings)
    /// In the mesh by its `CONSUL_ECS_CONFIG_JSON`, which cannot be used: the task stays unregistered.
    case invalidConfig(ConsulECSConfigError)
}

/// The facts about a task that events do not carry: its tags (mesh membership, service name), its
/// task definition's `CONSUL_ECS_CONFIG_JSON` and its service port.
///
/// Tags come from the journal's `task_meta` when known, else from ECS (DescribeTasks with tags,
/// cached) and are then stored, so ECS is asked once per task however many events it has. The task
/// definition comes from a cache keyed by its ARN (one revision), so a storm of tasks costs one
/// DescribeTaskDefinition per revision. The consul-ecs config is parsed on every resolve (pure and
/// cheap) and merged with the tags into ``MeshTaskSettings``; each resolve's ``MeshConfigStatus``
/// goes to the ``MeshConfigBook`` the admin API reads.
public struct TaskMetadataResolver: Sendable {
    private let journal: any JournalStore
    private let tasks: any ECSTaskLookup
    private let definitions: any ECSTaskDefinitionLookup
    private let book: MeshConfigBook
    private let now: @Sendable () -> Date

    public init(journal: any JournalStore, tasks: any ECSTaskLookup, definitions: any ECSTaskDefinitionLookup,
                book: MeshConfigBook = MeshConfigBook(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.journal = journal
        self.tasks = tasks
        self.definitions = definitions
        self.book = book
        self.now = now
    }

    /// Resolves `task`: its stored (or described) tags, its consul-ecs config, merged.
    ///
    /// A task ECS does not know is not in the mesh if it has stopped (nothing is stored, nothing
    /// registered); a task that is still running must exist, so that is an error to retry (ECS is
    /// eventually consistent right after RunTask).
    /// - Throws: ``WorkerError`` (`journal`, `ecs`, `taskNotInECS`, `invalidTags`).
    public func resolve(_ task: TaskRecord, logger: Logger) async throws(WorkerError) -> TaskResolution {
        let arn = task.taskArn
        let known = try await WorkerError.journal.wrapping("read task_meta of \(arn)", { try await journal.taskMeta(arn: arn) })
        if let known, !known.mesh { return .notMesh }
        var definitionArn = task.taskDefinitionArn
        let tagValues: [String: String]
        var early: EarlyDefinition?
        if let known {
            tagValues = known.tags
        } else {
            early = definitionArn.map { EarlyDefinition(arn: $0, definitions: definitions) }
            let described = try await WorkerError.ecs.wrapping("DescribeTasks \(arn)") {
                try await tasks.task(arn: arn, cluster: task.clusterArn)
            }
            guard let described else {
                if task.lastStatus == .stopped { return .notMesh }
                throw WorkerError.taskNotInECS.with("DescribeTasks \(arn) in \(task.clusterArn) found no such task")
            }
            var values: [String: String] = [:]
            for tag in described.tags { values[tag.key] = tag.value }
            tagValues = values
            definitionArn = definitionArn ?? described.taskDefinitionArn
        }
        let resolution = try await resolve(task, tags: MeshTags(tagValues), definitionArn: definitionArn, early: early,
                                           logger: logger)
        switch resolution {
        case .mesh(let meta, _) where known != meta.withDescribedAt(known?.describedAt):
            try await store(meta, logger: logger)
        case .notMesh where known == nil:
            try await store(TaskMeta(taskArn: arn, mesh: false, tags: tagValues, describedAt: now()), logger: logger)
        default:
            break
        }
        return resolution
    }

    private func resolve(_ task: TaskRecord, tags: MeshTags, definitionArn: String?, early: EarlyDefinition?,
                         logger: Logger) async throws(WorkerError) -> TaskResolution {
        // An explicit mesh tag other than "true" keeps the task out without reading its definition.
        if !tags.isMesh, tags.tags[MeshTags.Key.mesh] != nil {
            book.record(MeshConfigStatus(), taskArn: task.taskArn, definitionArn: nil, logger: logger)
            return .notMesh
        }
        var definition: ECSTaskDefinition?
        if let definitionArn {
            definition = try await self.definition(definitionArn, early: early)
        }
        let located = definition.flatMap(ConsulECSConfigLocator.config(in:))
        var status = MeshConfigStatus(hasConsulECSConfig: located != nil, container: located?.container)
        guard let source = MeshTaskSettings.membership(tags: tags, hasConsulECSConfig: located != nil) else {
            book.record(status, taskArn: task.taskArn, definitionArn: nil, logger: logger)
            return .notMesh
        }
        status.source = source.rawValue
        var config: ConsulECSConfig?
        if let located {
            do {
                config = try ConsulECSConfig.parse(located.text)
            } catch {
                status.error = error
                book.record(status, taskArn: task.taskArn, definitionArn: definitionArn, logger: logger)
                return .invalidConfig(error)
            }
        }
        let family = task.family ?? definition?.family ?? definitionArn.flatMap(ECSARN.family(fromTaskDefinitionArn:))
        let settings: MeshTaskSettings
        do {
            settings = try MeshTaskSettings(source: source, tags: tags, config: config, family: family,
                                            definitionPort: definition?.containerPorts.first)
        } catch {
            throw WorkerError.invalidTags.with("task \(task.taskArn)", underlying: error)
        }
        status.nameSource = settings.nameSource.rawValue
        status.gatewayKind = settings.gateway?.kind.rawValue
        status.warnings = settings.warnings
        book.record(status, taskArn: task.taskArn, definitionArn: definitionArn, logger: logger)
        let meta = TaskMeta(taskArn: task.taskArn, mesh: true, serviceName: settings.serviceName, tags: tags.tags,
                            servicePort: settings.servicePort, describedAt: now())
        return .mesh(meta, settings)
    }

    /// The task definition `arn`: the early fetch's when it fetched this ARN and succeeded, else asked
    /// now, as if there had been no early fetch (a failed speculation fails nothing by itself).
    private func definition(_ arn: String, early: EarlyDefinition?) async throws(WorkerError) -> ECSTaskDefinition {
        if let early, early.arn == arn, case .success(let definition) = await early.fetch.result {
            return definition
        }
        return try await WorkerError.ecs.wrapping("DescribeTaskDefinition \(arn)") {
            try await definitions.taskDefinition(arn: arn)
        }
    }

    private func store(_ meta: TaskMeta, logger: Logger) async throws(WorkerError) {
        try await WorkerError.journal.wrapping("store task_meta of \(meta.taskArn)") { try await journal.upsertTaskMeta(meta) }
        logger.debug("Described task", metadata: [
            "mesh.task.mesh": .stringConvertible(meta.mesh), "mesh.service.name": .string(meta.serviceName ?? ""),
        ])
    }
}

extension TaskMeta {
    /// This meta with `describedAt` replaced (to compare what was resolved with what is stored).
    func withDescribedAt(_ date: Date?) -> TaskMeta {
        var copy = self
        if let date { copy.describedAt = date }
        return copy
    }
}

/// A task definition fetched while DescribeTasks is on the wire, on the word of the event (which names
/// the task's definition ARN): a cold task then waits for the longer of the two calls instead of their
/// sum. It goes through the cache, so tasks of one revision share it and a later fetch finds it; when
/// the tags keep the task out of the mesh, the answer is not awaited (it stays in the cache).
struct EarlyDefinition: Sendable {
    let arn: String
    let fetch: Task<ECSTaskDefinition, any Error>

    init(arn: String, definitions: any ECSTaskDefinitionLookup) {
        self.arn = arn
        self.fetch = Task { try await definitions.taskDefinition(arn: arn) }
    }
}
