import OpaqueJSON

/// A task attachment; the task ENI carries its address in `details`.
public struct ECSAttachment: Sendable, Equatable, Codable {
    /// A name/value detail, e.g. `privateIPv4Address`.
    public struct Detail: Sendable, Equatable, Codable {
        public var name: String
        public var value: String?

        /// Creates a detail.
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// The attachment ID.
    public var id: String?
    /// `ElasticNetworkInterface`, `Service Connect`, …
    public var type: String?
    /// `PRECREATED`, `ATTACHING`, `ATTACHED`, `DETACHING`, `DELETED`.
    public var status: String?
    /// Details such as `subnetId`, `networkInterfaceId`, `privateIPv4Address`.
    public var details: [Detail]

    enum CodingKeys: String, CodingKey { case id, type, status, details }

    /// Creates an attachment.
    public init(id: String? = nil, type: String?, status: String? = nil, details: [Detail]) {
        self.id = id
        self.type = type
        self.status = status
        self.details = details
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = c.lenient(.id)
        type = c.lenient(.type)
        status = c.lenient(.status)
        details = c.lenient(.details, default: [])
    }

    /// The `privateIPv4Address` detail (note ECS's spelling: capital `IP`, `v4`).
    public var privateIPv4Address: String? {
        details.first { $0.name == "privateIPv4Address" }?.value
    }
}

/// A container of a task.
public struct ECSContainer: Sendable, Equatable, Codable {
    /// A container network interface (bridge/host modes); `privateIpv4Address` is ECS's spelling here.
    public struct NetworkInterface: Sendable, Equatable, Codable {
        public var attachmentId: String?
        public var privateIpv4Address: String?

        /// Creates an interface.
        public init(attachmentId: String? = nil, privateIpv4Address: String?) {
            self.attachmentId = attachmentId
            self.privateIpv4Address = privateIpv4Address
        }
    }

    /// The container name from the task definition.
    public var name: String
    /// `PENDING`, `RUNNING`, `STOPPED`.
    public var lastStatus: String?
    /// `HEALTHY`, `UNHEALTHY`, `UNKNOWN`.
    public var healthStatus: String?
    /// The exit code once stopped.
    public var exitCode: Int?
    /// Network interfaces (empty for awsvpc tasks, whose address is on the task ENI).
    public var networkInterfaces: [NetworkInterface]

    enum CodingKeys: String, CodingKey { case name, lastStatus, healthStatus, exitCode, networkInterfaces }

    /// Creates a container.
    public init(name: String, lastStatus: String? = nil, healthStatus: String? = nil, exitCode: Int? = nil,
                networkInterfaces: [NetworkInterface] = []) {
        self.name = name
        self.lastStatus = lastStatus
        self.healthStatus = healthStatus
        self.exitCode = exitCode
        self.networkInterfaces = networkInterfaces
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = c.lenient(.name, default: "")
        lastStatus = c.lenient(.lastStatus)
        healthStatus = c.lenient(.healthStatus)
        exitCode = c.lenient(.exitCode)
        networkInterfaces = c.lenient(.networkInterfaces, default: [])
    }
}

/// A task `DescribeTasks` could not describe.
public struct ECSFailure: Sendable, Equatable, Codable {
    /// The ARN or ID asked for.
    public var arn: String?
    /// `MISSING` for unknown tasks, among others.
    public var reason: String?
    /// More detail, if any.
    public var detail: String?

    /// Creates a failure.
    public init(arn: String?, reason: String?, detail: String? = nil) {
        self.arn = arn
        self.reason = reason
        self.detail = detail
    }
}

/// The result of ``ECSClient/describeTasks(cluster:tasks:deadline:logger:)``.
public struct ECSDescribeTasksResult: Sendable, Equatable, Codable {
    /// The tasks found.
    public var tasks: [ECSTask]
    /// The tasks not found, with the reason.
    public var failures: [ECSFailure]

    enum CodingKeys: String, CodingKey { case tasks, failures }

    /// Creates a result.
    public init(tasks: [ECSTask], failures: [ECSFailure]) {
        self.tasks = tasks
        self.failures = failures
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tasks = try c.decodeIfPresent([ECSTask].self, forKey: .tasks) ?? []
        failures = c.lenient(.failures, default: [])
    }
}

/// One page of `ListTasks`.
public struct ECSListTasksPage: Sendable, Equatable, Codable {
    /// Task ARNs on this page.
    public var taskArns: [String]
    /// The token for the next page; `nil` when done.
    public var nextToken: String?

    enum CodingKeys: String, CodingKey { case taskArns, nextToken }

    /// Creates a page.
    public init(taskArns: [String], nextToken: String?) {
        self.taskArns = taskArns
        self.nextToken = nextToken
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskArns = c.lenient(.taskArns, default: [])
        nextToken = c.lenientNonEmpty(.nextToken)
    }
}
