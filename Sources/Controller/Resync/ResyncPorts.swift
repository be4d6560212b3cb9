public import AWS
public import Consul
public import Logging
import MeshModel

/// The ECS reads a sweep makes; ``ECSClient`` conforms. One call here is one AWS request, so the
/// sweep can count them.
public protocol ResyncECS: Sendable {
    /// One page of ListTasks.
    func listTasks(cluster: String, desiredStatus: ECSDesiredStatus, nextToken: String?,
                   logger: Logger) async throws -> ECSListTasksPage
    /// One DescribeTasks call with tags; `tasks.count <= 100`.
    func describeTaskBatch(cluster: String, tasks: [String], logger: Logger) async throws -> ECSDescribeTasksResult
}

/// The Consul calls a sweep makes; ``ConsulResyncCatalog`` conforms.
public protocol ResyncCatalog: Sendable {
    /// The services on `node`, or `nil` when the node does not exist.
    func nodeServices(node: String, logger: Logger) async throws -> [ResyncCatalogPlan.NodeService]?
    /// Removes services from `node` in one call (at most ``ConsulClient/maxTransactionOperations``).
    func deregister(node: String, serviceIDs: [String], logger: Logger) async throws
    /// Every ACL token's accessor ID and description (no secrets).
    func tokens(logger: Logger) async throws -> [ResyncToken]
}

/// An ACL token as a sweep sees it: no secret.
public struct ResyncToken: Sendable, Equatable {
    public var accessorID: String
    public var description: String

    public init(accessorID: String, description: String) {
        self.accessorID = accessorID
        self.description = description
    }
}

extension ECSClient: ResyncECS {
    public func listTasks(cluster: String, desiredStatus: ECSDesiredStatus, nextToken: String?,
                          logger: Logger) async throws -> ECSListTasksPage {
        try await listTasks(cluster: cluster, desiredStatus: desiredStatus, nextToken: nextToken, deadline: nil,
                            logger: logger)
    }

    public func describeTaskBatch(cluster: String, tasks: [String], logger: Logger) async throws -> ECSDescribeTasksResult {
        precondition(tasks.count <= ECSClient.describeTasksBatchSize, "DescribeTasks takes at most 100 tasks")
        return try await describeTasks(cluster: cluster, tasks: tasks, deadline: nil, logger: logger)
    }
}

/// ``ResyncCatalog`` over the Consul client; deregistration goes through the registration worker's
/// ``MeshCatalogWriter`` (one transaction, falling back to single deregistrations).
public struct ConsulResyncCatalog: ResyncCatalog {
    private let consul: ConsulClient
    private let writer: any MeshCatalogWriter

    public init(consul: ConsulClient, writer: any MeshCatalogWriter) {
        self.consul = consul
        self.writer = writer
    }

    public func nodeServices(node: String, logger: Logger) async throws -> [ResyncCatalogPlan.NodeService]? {
        guard let value = try await consul.nodeServices(node: node, logger: logger).value else { return nil }
        return value.services.map { ResyncCatalogPlan.NodeService(id: $0.id, meta: $0.meta, kind: $0.kind == .typical ? nil : $0.kind.rawValue) }
    }

    public func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        try await writer.deregister(node: node, serviceIDs: serviceIDs, logger: logger)
    }

    public func tokens(logger: Logger) async throws -> [ResyncToken] {
        try await consul.tokens(logger: logger).value.map { ResyncToken(accessorID: $0.accessorID, description: $0.description) }
    }
}
