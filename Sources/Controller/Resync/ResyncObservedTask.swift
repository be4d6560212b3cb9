public import AWS
public import Foundation
public import MeshModel

/// One task as a sweep saw it in ECS (DescribeTasks with tags): the pure planners' input, free of
/// HTTP and JSON.
public struct ResyncObservedTask: Sendable, Equatable {
    public var taskArn: String
    public var clusterArn: String
    public var lastStatus: TaskStatus
    public var desiredStatus: TaskStatus?
    /// ECS's `version`; `nil` when ECS (or moto, which never sends it) omits it.
    public var version: Int64?
    /// Tag `consul.hashicorp.com/mesh=true`.
    public var isMesh: Bool
    public var taskDefinitionArn: String?
    public var group: String?
    public var address: String?
    public var containers: [ContainerState]
    public var startedAt: Date?
    public var stoppedAt: Date?

    public init(taskArn: String, clusterArn: String, lastStatus: TaskStatus, desiredStatus: TaskStatus? = nil,
                version: Int64? = nil, isMesh: Bool, taskDefinitionArn: String? = nil, group: String? = nil,
                address: String? = nil, containers: [ContainerState] = [], startedAt: Date? = nil,
                stoppedAt: Date? = nil) {
        self.taskArn = taskArn
        self.clusterArn = clusterArn
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.version = version
        self.isMesh = isMesh
        self.taskDefinitionArn = taskDefinitionArn
        self.group = group
        self.address = address
        self.containers = containers
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
    }

    /// The observation of a described ECS task; `fallbackCluster` when ECS omits `clusterArn`.
    public init(_ task: ECSTask, fallbackCluster: String) {
        var tags: [String: String] = [:]
        for tag in task.tags { tags[tag.key] = tag.value }
        self.init(
            taskArn: task.taskArn,
            clusterArn: task.clusterArn ?? ECSARN.clusterArn(fromTaskArn: task.taskArn) ?? fallbackCluster,
            lastStatus: TaskStatus(rawValue: task.lastStatus ?? "PENDING"),
            desiredStatus: task.desiredStatus.map(TaskStatus.init(rawValue:)),
            version: task.version,
            isMesh: MeshTags(tags).isMesh,
            taskDefinitionArn: task.taskDefinitionArn,
            group: task.group,
            address: task.privateIPv4Address,
            containers: task.containers.map {
                ContainerState(name: $0.name, lastStatus: $0.lastStatus, exitCode: $0.exitCode, healthStatus: $0.healthStatus)
            },
            startedAt: task.startedAt,
            stoppedAt: task.stoppedAt
        )
    }
}
