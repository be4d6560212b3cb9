/// What the controller keeps of one container of a task.
///
/// Only `name` is required to identify a container; everything else is optional because ECS omits
/// fields freely (`exitCode` appears only once the container stopped, `healthStatus` only when the
/// task definition has a health check).
public struct ContainerState: Sendable, Equatable, Codable {
    public var name: String
    public var lastStatus: String?
    public var exitCode: Int?
    public var healthStatus: String?

    public init(name: String, lastStatus: String? = nil, exitCode: Int? = nil, healthStatus: String? = nil) {
        self.name = name
        self.lastStatus = lastStatus
        self.exitCode = exitCode
        self.healthStatus = healthStatus
    }
}
