public import Foundation

/// Cached facts about a task that events do not carry (its tags come from ECS DescribeTasks).
public struct TaskMeta: Sendable, Equatable, Codable {
    public var taskArn: String
    /// Whether the tags put the task in the mesh (`consul.hashicorp.com/mesh=true`).
    public var mesh: Bool
    /// The Consul service name derived from tags or the family, when in the mesh.
    public var serviceName: String?
    /// All tags of the task, as ECS returned them.
    public var tags: [String: String]
    /// The port the service listens on, when known.
    public var servicePort: Int?
    /// When DescribeTasks was called (lets the cache expire).
    public var describedAt: Date

    public init(taskArn: String, mesh: Bool, serviceName: String? = nil, tags: [String: String] = [:],
                servicePort: Int? = nil, describedAt: Date) {
        self.taskArn = taskArn
        self.mesh = mesh
        self.serviceName = serviceName
        self.tags = tags
        self.servicePort = servicePort
        self.describedAt = describedAt
    }
}
