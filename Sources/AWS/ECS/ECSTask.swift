public import Foundation
import OpaqueJSON

/// An ECS task as `DescribeTasks` reports it (the fields the controller uses).
///
/// Decoding is lenient: only `taskArn` is required; absent, `null` or odd fields become `nil`/empty.
public struct ECSTask: Sendable, Equatable, Codable {
    /// The task ARN, `arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`.
    public var taskArn: String
    /// The cluster's ARN.
    public var clusterArn: String?
    /// The task definition's ARN (`…:task-definition/<family>:<revision>`).
    public var taskDefinitionArn: String?
    /// The task group, e.g. `service:web`.
    public var group: String?
    /// Who started it (a service deployment ID, a user tag).
    public var startedBy: String?
    /// The observed state (`PROVISIONING` … `RUNNING` … `STOPPED`).
    public var lastStatus: String?
    /// The state ECS drives toward (`RUNNING` or `STOPPED`).
    public var desiredStatus: String?
    /// The task's aggregate health (`HEALTHY`, `UNHEALTHY`, `UNKNOWN`).
    public var healthStatus: String?
    /// Increases with every state change; orders events about this task.
    public var version: Int64?
    /// Resource tags (wire keys are lower-case `key`/`value`); present only with `include: ["TAGS"]`.
    public var tags: [ECSTag]
    /// Attachments, including the task ENI (`ElasticNetworkInterface`).
    public var attachments: [ECSAttachment]
    /// The task's containers.
    public var containers: [ECSContainer]
    /// `FARGATE`, `EC2`, `EXTERNAL`.
    public var launchType: String?
    /// Why it stopped (`EssentialContainerExited`, `UserInitiated`, …).
    public var stopCode: String?
    /// The human reason it stopped.
    public var stoppedReason: String?
    /// When it was created / started / stopped (epoch seconds on the wire).
    public var createdAt: Date?
    public var startedAt: Date?
    public var stoppedAt: Date?

    enum CodingKeys: String, CodingKey {
        case taskArn, clusterArn, taskDefinitionArn, group, startedBy, lastStatus, desiredStatus, healthStatus
        case version, tags, attachments, containers, launchType, stopCode, stoppedReason
        case createdAt, startedAt, stoppedAt
    }

    /// Creates a task (tests, fixtures).
    public init(
        taskArn: String, clusterArn: String? = nil, taskDefinitionArn: String? = nil, group: String? = nil,
        startedBy: String? = nil, lastStatus: String? = nil, desiredStatus: String? = nil,
        healthStatus: String? = nil, version: Int64? = nil, tags: [ECSTag] = [], attachments: [ECSAttachment] = [],
        containers: [ECSContainer] = [], launchType: String? = nil, stopCode: String? = nil,
        stoppedReason: String? = nil, createdAt: Date? = nil, startedAt: Date? = nil, stoppedAt: Date? = nil
    ) {
        self.taskArn = taskArn
        self.clusterArn = clusterArn
        self.taskDefinitionArn = taskDefinitionArn
        self.group = group
        self.startedBy = startedBy
        self.lastStatus = lastStatus
        self.desiredStatus = desiredStatus
        self.healthStatus = healthStatus
        self.version = version
        self.tags = tags
        self.attachments = attachments
        self.containers = containers
        self.launchType = launchType
        self.stopCode = stopCode
        self.stoppedReason = stoppedReason
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskArn = try c.decode(String.self, forKey: .taskArn)
        clusterArn = c.lenient(.clusterArn)
        taskDefinitionArn = c.lenient(.taskDefinitionArn)
        group = c.lenient(.group)
        startedBy = c.lenient(.startedBy)
        lastStatus = c.lenient(.lastStatus)
        desiredStatus = c.lenient(.desiredStatus)
        healthStatus = c.lenient(.healthStatus)
        version = c.lenient(.version)
        tags = c.lenient(.tags, default: [])
        attachments = c.lenient(.attachments, default: [])
        containers = c.lenient(.containers, default: [])
        launchType = c.lenient(.launchType)
        stopCode = c.lenient(.stopCode)
        stoppedReason = c.lenient(.stoppedReason)
        createdAt = AWSTimestamp.decode(c, forKey: .createdAt)
        startedAt = AWSTimestamp.decode(c, forKey: .startedAt)
        stoppedAt = AWSTimestamp.decode(c, forKey: .stoppedAt)
    }

    /// Encodes in the wire shape, timestamps as epoch seconds, so a stored description decodes back
    /// to the same value whatever the encoder's date strategy.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(taskArn, forKey: .taskArn)
        try c.encodeIfPresent(clusterArn, forKey: .clusterArn)
        try c.encodeIfPresent(taskDefinitionArn, forKey: .taskDefinitionArn)
        try c.encodeIfPresent(group, forKey: .group)
        try c.encodeIfPresent(startedBy, forKey: .startedBy)
        try c.encodeIfPresent(lastStatus, forKey: .lastStatus)
        try c.encodeIfPresent(desiredStatus, forKey: .desiredStatus)
        try c.encodeIfPresent(healthStatus, forKey: .healthStatus)
        try c.encodeIfPresent(version, forKey: .version)
        try c.encode(tags, forKey: .tags)
        try c.encode(attachments, forKey: .attachments)
        try c.encode(containers, forKey: .containers)
        try c.encodeIfPresent(launchType, forKey: .launchType)
        try c.encodeIfPresent(stopCode, forKey: .stopCode)
        try c.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
        try c.encodeIfPresent(createdAt?.timeIntervalSince1970, forKey: .createdAt)
        try c.encodeIfPresent(startedAt?.timeIntervalSince1970, forKey: .startedAt)
        try c.encodeIfPresent(stoppedAt?.timeIntervalSince1970, forKey: .stoppedAt)
    }

    /// The value of tag `key`, if set.
    public func tag(_ key: String) -> String? {
        tags.last { $0.key == key }?.value
    }

    /// The last path component of the ARN (the task ID).
    public var taskID: String {
        taskArn.split(separator: "/").last.map(String.init) ?? taskArn
    }

    /// The task's private IPv4 address: the ENI attachment's `privateIPv4Address` (awsvpc), else the
    /// first container network interface's.
    public var privateIPv4Address: String? {
        attachments.lazy.filter { $0.type == "ElasticNetworkInterface" }.compactMap(\.privateIPv4Address).first
            ?? containers.lazy.flatMap(\.networkInterfaces).compactMap(\.privateIpv4Address).first
    }
}

/// An ECS resource tag.
public struct ECSTag: Sendable, Equatable, Hashable, Codable {
    /// The tag key.
    public var key: String
    /// The tag value (may be empty).
    public var value: String

    /// Creates a tag.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        value = c.lenient(.value, default: "")
    }
}
