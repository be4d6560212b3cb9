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

/// The facts about a task that events do not carry: its tags (mesh membership, service name) and
/// its service port. Read from the journal's `task_meta` when known, else from ECS (DescribeTasks
/// with tags, DescribeTaskDefinition for the first port mapping, both cached) and then stored, so
/// ECS is asked once per task however many events it has.
public struct TaskMetadataResolver: Sendable {
    private let journal: EventJournal
    private let tasks: any ECSTaskLookup
    private let definitions: any ECSTaskDefinitionLookup
    private let now: @Sendable () -> Date

    public init(journal: EventJournal, tasks: any ECSTaskLookup, definitions: any ECSTaskDefinitionLookup,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.journal = journal
        self.tasks = tasks
        self.definitions = definitions
        self.now = now
    }

    /// The metadata of `task`, described and stored on first use.
    ///
    /// A task ECS does not know is not in the mesh if it has stopped (nothing is stored, nothing
    /// registered); a task that is still running must exist, so that is an error to retry (ECS is
    /// eventually consistent right after RunTask).
    /// - Throws: ``WorkerError`` (`journal`, `ecs`, `taskNotInECS`, `invalidTags`).
    public func metadata(of task: TaskRecord, logger: Logger) async throws(WorkerError) -> TaskMeta {
        let arn = task.taskArn
        if let known = try WorkerError.journal.wrappingSync("read task_meta of \(arn)", { try journal.taskMeta(arn: arn) }) {
            return known
        }
        let described = try await WorkerError.ecs.wrapping("DescribeTasks \(arn)") {
            try await tasks.task(arn: arn, cluster: task.clusterArn)
        }
        guard let described else {
            if task.lastStatus == .stopped {
                return TaskMeta(taskArn: arn, mesh: false, describedAt: now())
            }
            throw WorkerError.taskNotInECS.with("DescribeTasks \(arn) in \(task.clusterArn) found no such task")
        }
        let meta = try await resolve(task, described: described, logger: logger)
        try await WorkerError.journal.wrapping("store task_meta of \(arn)") { try await journal.upsertTaskMeta(meta) }
        logger.debug("Described task", metadata: [
            "mesh.task.mesh": .stringConvertible(meta.mesh), "mesh.service.name": .string(meta.serviceName ?? ""),
        ])
        return meta
    }

    private func resolve(_ task: TaskRecord, described: ECSTask, logger: Logger) async throws(WorkerError) -> TaskMeta {
        var tagValues: [String: String] = [:]
        for tag in described.tags { tagValues[tag.key] = tag.value }
        let tags = MeshTags(tagValues)
        guard tags.isMesh else {
            return TaskMeta(taskArn: task.taskArn, mesh: false, tags: tagValues, describedAt: now())
        }
        let definitionArn = task.taskDefinitionArn ?? described.taskDefinitionArn
        let family = task.family ?? definitionArn.flatMap(ECSARN.family(fromTaskDefinitionArn:))
        let serviceName: String
        let taggedPort: Int?
        do {
            serviceName = try tags.serviceName(family: family)
            taggedPort = try tags.servicePort
        } catch {
            throw WorkerError.invalidTags.with("task \(task.taskArn)", underlying: error)
        }
        var port = taggedPort
        if port == nil, let definitionArn {
            let definition = try await WorkerError.ecs.wrapping("DescribeTaskDefinition \(definitionArn)") {
                try await definitions.taskDefinition(arn: definitionArn)
            }
            port = definition.containerPorts.first
        }
        return TaskMeta(taskArn: task.taskArn, mesh: true, serviceName: serviceName, tags: tagValues,
                        servicePort: port, describedAt: now())
    }
}
