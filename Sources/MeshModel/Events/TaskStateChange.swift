public import Foundation

/// The parts of one EventBridge "ECS Task State Change" event the controller uses.
///
/// Everything the controller does not need (attributes, overrides, cpu, memory, …) is left out; the
/// journal keeps the event's raw bytes for anything else. See aws-contracts §1.2 for the field list.
public struct TaskStateChange: Sendable, Equatable {
    /// Envelope `id`. Retries of the same delivery reuse it, but ECS duplicates may not: dedupe on
    /// `(taskArn, version)` instead.
    public var eventID: String
    /// Envelope `time` (second precision).
    public var eventTime: Date?
    public var account: String?
    public var region: String?

    public var taskArn: String
    public var clusterArn: String
    public var taskDefinitionArn: String?
    /// `service:<name>` for service tasks, `family:<family>` for RunTask without a group.
    public var group: String?
    public var startedBy: String?
    public var launchType: String?
    public var availabilityZone: String?

    public var lastStatus: TaskStatus
    public var desiredStatus: TaskStatus?
    /// `detail.version`: the per-task counter that orders events (aws-contracts §1.5).
    public var version: Int64

    /// Private IPv4 of the task: the ENI attachment detail `privateIPv4Address` (attachment type `eni`
    /// in events, `ElasticNetworkInterface` in DescribeTasks), else the first container
    /// `networkInterfaces[].privateIpv4Address`.
    public var address: String?
    public var containers: [ContainerState]

    public var stopCode: String?
    public var stoppedReason: String?
    public var updatedAt: Date?
    public var startedAt: Date?
    public var stoppedAt: Date?

    /// The last `/` segment of ``taskArn`` (works for long and short ARN formats).
    public var taskID: String {
        guard let slash = taskArn.utf8.lastIndex(of: UInt8(ascii: "/")) else { return taskArn }
        return String(taskArn[taskArn.utf8.index(after: slash)...])
    }

    public init(
        eventID: String,
        eventTime: Date? = nil,
        account: String? = nil,
        region: String? = nil,
        taskArn: String,
        clusterArn: String,
        taskDefinitionArn: String? = nil,
        group: String? = nil,
        startedBy: String? = nil,
        launchType: String? = nil,
        availabilityZone: String? = nil,
        lastStatus: TaskStatus,
        desiredStatus: TaskStatus? = nil,
        version: Int64,
        address: String? = nil,
        containers: [ContainerState] = [],
        stopCode: String? = nil,
        stoppedReason: String? = nil,
        updatedAt: Date? = nil,
        startedAt: Date? = nil,
        stoppedAt: Date? = nil
    ) {
        self.eventID = eventID
        self.eventTime = eventTime
        self.account = account
        self.region = region
        self.taskArn = taskArn
        self.clusterArn = clusterArn
        self.taskDefinitionArn = taskDefinitionArn
        self.group = group
        self.startedBy = startedBy
        self.launchType = launchType
        self.availabilityZone = availabilityZone
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.version = version
        self.address = address
        self.containers = containers
        self.stopCode = stopCode
        self.stoppedReason = stoppedReason
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
    }
}
