public import Foundation

/// The parts of the ECS task metadata v4 responses the sidecar reads.
///
/// `GET ${ECS_CONTAINER_METADATA_URI_V4}/task` returns the task (`TaskARN`, `Containers`); each
/// container has `Name`, `KnownStatus`, `DesiredStatus` and, when its task definition has a health
/// check, `Health.status` (`HEALTHY`, `UNHEALTHY`, `UNKNOWN`). `GET ${ECS_CONTAINER_METADATA_URI_V4}`
/// returns the calling container itself (its `Name`). Other members are ignored.
public struct TaskMetadata: Sendable, Decodable, Equatable {
    public struct Container: Sendable, Decodable, Equatable {
        public struct Health: Sendable, Decodable, Equatable {
            public var status: String?
        }
        public var name: String
        public var knownStatus: String?
        public var desiredStatus: String?
        public var health: Health?

        enum CodingKeys: String, CodingKey {
            case name = "Name", knownStatus = "KnownStatus", desiredStatus = "DesiredStatus", health = "Health"
        }

        public init(name: String, knownStatus: String?, desiredStatus: String? = nil, health: String?) {
            self.name = name
            self.knownStatus = knownStatus
            self.desiredStatus = desiredStatus
            self.health = health.map { Health(status: $0) }
        }
    }

    public var taskArn: String
    public var containers: [Container]

    enum CodingKeys: String, CodingKey {
        case taskArn = "TaskARN", containers = "Containers"
    }

    public init(taskArn: String, containers: [Container]) {
        self.taskArn = taskArn
        self.containers = containers
    }

    public static func decode(_ data: Data) throws -> TaskMetadata {
        try JSONDecoder().decode(TaskMetadata.self, from: data)
    }
}

/// `GET ${ECS_CONTAINER_METADATA_URI_V4}`: the sidecar's own container.
struct ContainerSelf: Decodable {
    var name: String
    enum CodingKeys: String, CodingKey { case name = "Name" }
}

/// One heartbeat as the controller's `POST /v1/heartbeats` takes it.
public struct HeartbeatReport: Sendable, Encodable, Equatable {
    public enum State: String, Sendable, Encodable { case running = "RUNNING", stopping = "STOPPING" }
    public struct Container: Sendable, Encodable, Equatable {
        public var name: String
        public var health: String
    }
    public var taskArn: String
    public var state: State
    public var containers: [Container]

    /// The report for `metadata`: every container but `selfName` (or exactly `only`, when set), with
    /// its ECS health; a container without a health check, or with a status the controller does not
    /// know, is `UNKNOWN`; a listed container missing from the metadata is left out (the controller
    /// reads a missing container as critical).
    public init(metadata: TaskMetadata, state: State, selfName: String?, only: [String]?) {
        taskArn = metadata.taskArn
        self.state = state
        containers = metadata.containers.compactMap { container in
            if let only, !only.contains(container.name) { return nil }
            if only == nil, container.name == selfName { return nil }
            let status = container.health?.status ?? "UNKNOWN"
            return Container(name: container.name,
                             health: ["HEALTHY", "UNHEALTHY", "UNKNOWN"].contains(status) ? status : "UNKNOWN")
        }
    }

    /// Whether every container but the sidecar has stopped (ECS `KnownStatus` `STOPPED`): the
    /// moment the sidecar may exit after SIGTERM.
    public static func appContainersStopped(_ metadata: TaskMetadata, selfName: String?) -> Bool {
        metadata.containers.allSatisfy { $0.name == selfName || $0.knownStatus == "STOPPED" }
    }

    public func encoded() -> Data {
        (try? JSONEncoder().encode(self)) ?? Data()
    }
}
