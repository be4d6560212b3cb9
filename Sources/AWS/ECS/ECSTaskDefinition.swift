import OpaqueJSON

/// A task definition as `DescribeTaskDefinition` reports it (the parts the controller uses).
public struct ECSTaskDefinition: Sendable, Equatable, Codable {
    /// The ARN, `…:task-definition/<family>:<revision>`.
    public var taskDefinitionArn: String
    /// The family (the default service name, lower-cased by the controller).
    public var family: String
    /// The revision number.
    public var revision: Int?
    /// `awsvpc`, `bridge`, `host`, `none`.
    public var networkMode: String?
    /// The container definitions.
    public var containerDefinitions: [ECSContainerDefinition]

    enum CodingKeys: String, CodingKey { case taskDefinitionArn, family, revision, networkMode, containerDefinitions }

    /// Creates a task definition.
    public init(taskDefinitionArn: String, family: String, revision: Int? = nil, networkMode: String? = nil,
                containerDefinitions: [ECSContainerDefinition] = []) {
        self.taskDefinitionArn = taskDefinitionArn
        self.family = family
        self.revision = revision
        self.networkMode = networkMode
        self.containerDefinitions = containerDefinitions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskDefinitionArn = try c.decode(String.self, forKey: .taskDefinitionArn)
        family = try c.decode(String.self, forKey: .family)
        revision = c.lenient(.revision)
        networkMode = c.lenient(.networkMode)
        containerDefinitions = c.lenient(.containerDefinitions, default: [])
    }

    /// All container ports, in definition order.
    public var containerPorts: [Int] {
        containerDefinitions.flatMap { $0.portMappings.compactMap(\.containerPort) }
    }
}

/// One container definition of a task definition.
public struct ECSContainerDefinition: Sendable, Equatable, Codable {
    /// The container name.
    public var name: String
    /// The image.
    public var image: String?
    /// Whether the task stops when this container stops.
    public var essential: Bool?
    /// Port mappings.
    public var portMappings: [ECSPortMapping]
    /// Environment variables set in the definition (not `secrets`), in definition order.
    public var environment: [ECSEnvironmentVariable]

    enum CodingKeys: String, CodingKey { case name, image, essential, portMappings, environment }

    /// Creates a container definition.
    public init(name: String, image: String? = nil, essential: Bool? = nil, portMappings: [ECSPortMapping] = [],
                environment: [ECSEnvironmentVariable] = []) {
        self.name = name
        self.image = image
        self.essential = essential
        self.portMappings = portMappings
        self.environment = environment
    }

    /// The value of environment variable `name`, if the definition sets it.
    public func environmentValue(_ name: String) -> String? {
        environment.first { $0.name == name }?.value
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = c.lenient(.name, default: "")
        image = c.lenient(.image)
        essential = c.lenient(.essential)
        portMappings = c.lenient(.portMappings, default: [])
        environment = c.lenient(.environment, default: [])
    }
}

/// One `environment` entry of a container definition (`{"name": ..., "value": ...}`).
public struct ECSEnvironmentVariable: Sendable, Equatable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A container port mapping.
public struct ECSPortMapping: Sendable, Equatable, Codable {
    /// The port the container listens on.
    public var containerPort: Int?
    /// The host port (bridge mode); equals `containerPort` for awsvpc.
    public var hostPort: Int?
    /// `tcp` or `udp`.
    public var `protocol`: String?
    /// The mapping's name (Service Connect).
    public var name: String?

    /// Creates a port mapping.
    public init(containerPort: Int?, hostPort: Int? = nil, protocol: String? = nil, name: String? = nil) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.protocol = `protocol`
        self.name = name
    }
}
