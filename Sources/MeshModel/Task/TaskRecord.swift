public import Foundation

/// Folded state of one task: what the journal keeps and the workers converge the world to.
///
/// Built by ``TaskFold`` from ``TaskStateChange`` values; `version` is the highest `detail.version`
/// applied so far.
public struct TaskRecord: Sendable, Equatable, Codable {
    public var taskArn: String
    public var taskID: String
    public var clusterArn: String
    public var lastStatus: TaskStatus
    public var desiredStatus: TaskStatus?
    public var version: Int64
    public var group: String?
    public var taskDefinitionArn: String?
    /// Parsed from `…:task-definition/<family>:<revision>`; the default service name (lower-cased by the planner).
    public var family: String?
    public var address: String?
    public var containers: [ContainerState]
    public var startedAt: Date?
    public var stoppedAt: Date?
    public var updatedAt: Date?

    public init(
        taskArn: String,
        taskID: String,
        clusterArn: String,
        lastStatus: TaskStatus,
        desiredStatus: TaskStatus? = nil,
        version: Int64,
        group: String? = nil,
        taskDefinitionArn: String? = nil,
        family: String? = nil,
        address: String? = nil,
        containers: [ContainerState] = [],
        startedAt: Date? = nil,
        stoppedAt: Date? = nil,
        updatedAt: Date? = nil
    ) {
        self.taskArn = taskArn
        self.taskID = taskID
        self.clusterArn = clusterArn
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.version = version
        self.group = group
        self.taskDefinitionArn = taskDefinitionArn
        self.family = family
        self.address = address
        self.containers = containers
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
        self.updatedAt = updatedAt
    }

    /// The record of a task first seen through `change`.
    public init(_ change: TaskStateChange) {
        self.init(
            taskArn: change.taskArn,
            taskID: change.taskID,
            clusterArn: change.clusterArn,
            lastStatus: change.lastStatus,
            desiredStatus: change.desiredStatus,
            version: change.version,
            group: change.group,
            taskDefinitionArn: change.taskDefinitionArn,
            family: change.taskDefinitionArn.flatMap(ECSARN.family(fromTaskDefinitionArn:)),
            address: change.address,
            containers: change.containers,
            startedAt: change.startedAt,
            stoppedAt: change.stoppedAt,
            updatedAt: change.updatedAt
        )
    }
}
