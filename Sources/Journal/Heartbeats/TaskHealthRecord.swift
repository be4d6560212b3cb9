public import Foundation
public import MeshModel

/// One task's journaled heartbeat health (table `task_health`).
public struct TaskHealthRecord: Sendable, Equatable {
    public var taskArn: String
    public var health: TaskHealth
    /// Increases with every transition of the task; a write with a lower one is ignored.
    public var revision: Int64
    public var changedAt: Date

    public init(taskArn: String, health: TaskHealth, revision: Int64, changedAt: Date) {
        self.taskArn = taskArn
        self.health = health
        self.revision = revision
        self.changedAt = changedAt
    }
}

/// What authenticates a heartbeat: the task's service and the SHA-256 of that service's token.
public struct HeartbeatIdentity: Sendable, Equatable {
    public var taskArn: String
    /// `nil` when the task is not (or not yet known to be) in the mesh.
    public var serviceName: String?
    /// Lower-case hex SHA-256 of the service token's SecretID, once the token worker made it.
    public var tokenSHA256: String?
    /// Whether ECS reported the task STOPPED.
    public var stopped: Bool

    public init(taskArn: String, serviceName: String?, tokenSHA256: String?, stopped: Bool) {
        self.taskArn = taskArn
        self.serviceName = serviceName
        self.tokenSHA256 = tokenSHA256
        self.stopped = stopped
    }
}
