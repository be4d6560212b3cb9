public import MeshModel
import OpaqueJSON

/// A catalog write (`PUT /v1/catalog/register`): a node, optionally one service, and checks.
///
/// We register on a synthetic node (consul-ecs: node name = cluster ARN, meta `synthetic-node=true`)
/// with ``skipNodeUpdate`` set, so that writing a service never rewrites the node's address or meta.
/// A registration with only ``checks`` updates check statuses (health-sync's batched write).
public struct CatalogRegistration: Sendable, Equatable, Encodable {
    public var node: String
    /// Node address; Consul requires one even with ``skipNodeUpdate``.
    public var address: String
    public var nodeMeta: [String: String]
    public var skipNodeUpdate: Bool
    public var service: CatalogService?
    public var checks: [HealthCheck]

    public init(
        node: String, address: String, nodeMeta: [String: String] = [:], skipNodeUpdate: Bool = true,
        service: CatalogService? = nil, checks: [HealthCheck] = []
    ) {
        self.node = node
        self.address = address
        self.nodeMeta = nodeMeta
        self.skipNodeUpdate = skipNodeUpdate
        self.service = service
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey {
        case node = "Node", address = "Address", nodeMeta = "NodeMeta", skipNodeUpdate = "SkipNodeUpdate"
        case service = "Service", checks = "Checks"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encode(address, forKey: .address)
        try container.encodeUnlessEmpty(nodeMeta, forKey: .nodeMeta)
        try container.encode(skipNodeUpdate, forKey: .skipNodeUpdate)
        try container.encodeIfPresent(service, forKey: .service)
        try container.encodeUnlessEmpty(checks, forKey: .checks)
    }
}

/// A catalog removal (`PUT /v1/catalog/deregister`): one service (with its checks), one check, or a node.
public struct CatalogDeregistration: Sendable, Equatable, Encodable {
    public var node: String
    public var serviceID: String?
    public var checkID: String?

    /// Removes service `id` and its checks from `node`.
    public static func service(_ id: String, node: String) -> Self { Self(node: node, serviceID: id, checkID: nil) }

    /// Removes check `id` from `node`.
    public static func check(_ id: String, node: String) -> Self { Self(node: node, serviceID: nil, checkID: id) }

    /// Removes the node with all its services and checks.
    public static func node(_ node: String) -> Self { Self(node: node, serviceID: nil, checkID: nil) }

    enum CodingKeys: String, CodingKey { case node = "Node", serviceID = "ServiceID", checkID = "CheckID" }
}
