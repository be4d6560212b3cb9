import OpaqueJSON

/// One service instance on a node (Consul's `AgentService`): what the controller plans for a mesh
/// task (the app, its sidecar proxy, or a gateway, on the cluster's synthetic node), writes in a
/// catalog registration, and reads back from `/v1/catalog/node-services/:node` and health answers.
///
/// Decoding is lenient (Consul writes `null` for empty lists and maps and adds fields in newer
/// versions); encoding writes only what is set.
public struct CatalogService: Sendable, Equatable, Codable {
    /// Instance ID, unique on the node, e.g. `web-<taskId>`.
    public var id: String
    /// Service name, e.g. `web` or `web-sidecar-proxy` (Consul's `Service`).
    public var name: String
    /// ``ServiceKind/typical``, ``ServiceKind/connectProxy`` for a sidecar, or a gateway's kind.
    public var kind: ServiceKind
    public var address: String
    public var port: Int
    /// `task-id`, `task-arn`, `source`, plus the consul-ecs config's `meta`.
    public var meta: [String: String]
    /// The consul-ecs config's `tags`.
    public var tags: [String]
    public var enableTagOverride: Bool
    /// DNS SRV weights; `nil` for Consul's default (passing 1, warning 1).
    public var weights: ServiceWeights?
    /// Named addresses, e.g. a gateway's `lan` and `wan`.
    public var taggedAddresses: [String: CatalogAddress]
    /// Proxy settings of a sidecar (or a gateway's proxy `Config`).
    public var proxy: ProxySettings?
    /// Read-only, set on services read from Consul.
    public var createIndex: UInt64?
    public var modifyIndex: UInt64?

    public init(
        id: String, name: String, kind: ServiceKind = .typical, address: String, port: Int,
        meta: [String: String] = [:], tags: [String] = [], enableTagOverride: Bool = false,
        weights: ServiceWeights? = nil, taggedAddresses: [String: CatalogAddress] = [:], proxy: ProxySettings? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.address = address
        self.port = port
        self.meta = meta
        self.tags = tags
        self.enableTagOverride = enableTagOverride
        self.weights = weights
        self.taggedAddresses = taggedAddresses
        self.proxy = proxy
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Service", kind = "Kind", address = "Address", port = "Port"
        case meta = "Meta", tags = "Tags", proxy = "Proxy", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
        case enableTagOverride = "EnableTagOverride", weights = "Weights", taggedAddresses = "TaggedAddresses"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = container.lenient(.name, default: "")
        kind = container.lenient(.kind, default: .typical)
        address = container.lenient(.address, default: "")
        port = container.lenient(.port, default: 0)
        meta = container.lenient(.meta, default: [:])
        tags = container.lenient(.tags, default: [])
        enableTagOverride = container.lenient(.enableTagOverride, default: false)
        weights = container.lenient(.weights)
        taggedAddresses = container.lenient(.taggedAddresses, default: [:])
        proxy = container.lenient(.proxy)
        createIndex = container.lenient(.createIndex)
        modifyIndex = container.lenient(.modifyIndex)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        if kind != .typical { try container.encode(kind, forKey: .kind) }
        try container.encode(address, forKey: .address)
        try container.encode(port, forKey: .port)
        try container.encodeUnlessEmpty(meta, forKey: .meta)
        try container.encode(tags, forKey: .tags)
        if enableTagOverride { try container.encode(true, forKey: .enableTagOverride) }
        try container.encodeIfPresent(weights, forKey: .weights)
        try container.encodeUnlessEmpty(taggedAddresses, forKey: .taggedAddresses)
        try container.encodeIfPresent(proxy, forKey: .proxy)
    }
}

/// `Kind` of a service: empty for a typical service, `connect-proxy` for a sidecar.
public struct ServiceKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let typical = ServiceKind(rawValue: "")
    public static let connectProxy = ServiceKind(rawValue: "connect-proxy")

    public var description: String { rawValue.isEmpty ? "typical" : rawValue }
}
