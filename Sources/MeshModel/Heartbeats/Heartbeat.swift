/// One report of a task's heartbeat sidecar: the task's phase and the ECS health of its containers.
///
/// Body of `POST /v1/heartbeats` (one object, or an array of them):
/// `{"taskArn": "...", "state": "RUNNING" | "STOPPING", "containers": [{"name": "...", "health": "HEALTHY"}]}`.
public struct Heartbeat: Sendable, Equatable {
    /// What the sidecar says about the task as a whole.
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// The task runs; container health decides the checks.
        case running = "RUNNING"
        /// The sidecar got SIGTERM: the task is going away, every check turns critical for good.
        case stopping = "STOPPING"
    }

    /// One container's ECS health as the task metadata endpoint reported it.
    public struct Container: Sendable, Equatable {
        public var name: String
        public var health: ContainerHealth
        public init(name: String, health: ContainerHealth) {
            self.name = name
            self.health = health
        }
    }

    public var taskArn: String
    public var state: State
    public var containers: [Container]

    public init(taskArn: String, state: State, containers: [Container]) {
        self.taskArn = taskArn
        self.state = state
        self.containers = containers
    }

    /// The containers as a name → health map (names are unique after decoding).
    public var healthByContainer: [String: ContainerHealth] {
        var map: [String: ContainerHealth] = [:]
        map.reserveCapacity(containers.count)
        for container in containers { map[container.name] = container.health }
        return map
    }
}

/// Why a heartbeat body was refused. Paths are dotted from the heartbeat (`containers[1].health`);
/// in a batch they start with the element index (`[2].state`).
public enum HeartbeatDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON (syntax, encoding, nesting depth): HTTP 400.
    case malformedJSON(detail: String)
    /// A required member is absent or `null`: HTTP 400.
    case missingField(path: String)
    /// A member has the wrong JSON type: HTTP 400.
    case wrongType(path: String, expected: String)
    /// Right type, unacceptable value (unknown state or health, not a task ARN, too long, duplicate
    /// container, batch too large): HTTP 422.
    case invalidValue(path: String, reason: String)
    /// `[]`: HTTP 400.
    case emptyBatch

    public var description: String {
        switch self {
        case .malformedJSON(let detail): "malformed JSON: \(detail)"
        case .missingField(let path): "missing required field \"\(path)\""
        case .wrongType(let path, let expected):
            path.isEmpty ? "the body must be \(expected)" : "field \"\(path)\" must be \(expected)"
        case .invalidValue(let path, let reason):
            path.isEmpty ? "invalid body: \(reason)" : "invalid value for field \"\(path)\": \(reason)"
        case .emptyBatch: "the batch is an empty array; send at least one heartbeat"
        }
    }

    /// The member the error is about (empty for the body itself).
    public var path: String {
        switch self {
        case .missingField(let path), .wrongType(let path, _), .invalidValue(let path, _): path
        case .malformedJSON, .emptyBatch: ""
        }
    }

    func prefixingPath(with prefix: String) -> HeartbeatDecodingError {
        switch self {
        case .missingField(let path): .missingField(path: prefix + path)
        case .wrongType(let path, let expected): .wrongType(path: prefix + path, expected: expected)
        case .invalidValue(let path, let reason): .invalidValue(path: prefix + path, reason: reason)
        case .malformedJSON, .emptyBatch: self
        }
    }
}
