/// ECS health of one container, as a heartbeat or DescribeTasks reports it.
///
/// Only ``healthy`` maps to a passing Consul check (consul-ecs health-sync, facts §3); any status
/// ECS may add later is read as ``unknown`` so that it is critical, never passing.
public enum ContainerHealth: String, Sendable, Hashable, Codable, CustomStringConvertible {
    case healthy = "HEALTHY"
    case unhealthy = "UNHEALTHY"
    case unknown = "UNKNOWN"

    /// Reads an ECS `healthStatus`; anything but `HEALTHY`/`UNHEALTHY` is ``unknown``.
    public init(ecsStatus: String) {
        self = ContainerHealth(rawValue: ecsStatus) ?? .unknown
    }

    public var description: String { rawValue }
}
