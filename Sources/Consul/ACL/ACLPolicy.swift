import OpaqueJSON

/// A Consul ACL policy (`/v1/acl/policy`).
///
/// To create one, fill ``name``, ``description`` and ``rules`` (HCL); Consul assigns the ID.
public struct ACLPolicy: Sendable, Equatable, Codable {
    /// Consul's ID; `nil` on a policy not created yet.
    public var id: String?
    public var name: String
    public var description: String
    /// HCL rules, e.g. `service_prefix "" { policy = "read" }`.
    public var rules: String
    /// Empty means valid in every datacenter.
    public var datacenters: [String]
    /// Raft indexes; read-only, set on policies read from Consul.
    public var createIndex: UInt64?
    public var modifyIndex: UInt64?

    public init(
        id: String? = nil, name: String, description: String = "", rules: String = "", datacenters: [String] = []
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.rules = rules
        self.datacenters = datacenters
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", description = "Description", rules = "Rules"
        case datacenters = "Datacenters", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(.id)
        name = try container.decode(String.self, forKey: .name)
        description = container.lenient(.description, default: "")
        rules = container.lenient(.rules, default: "")
        datacenters = container.lenient(.datacenters, default: [])
        createIndex = container.lenient(.createIndex)
        modifyIndex = container.lenient(.modifyIndex)
    }

    /// Writes only what a create or update request may carry.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(rules, forKey: .rules)
        try container.encodeUnlessEmpty(datacenters, forKey: .datacenters)
    }
}

/// A reference from a token to a policy (`Policies: [{ID, Name}]`); either field identifies it.
public struct ACLPolicyLink: Sendable, Hashable, Codable {
    public var id: String?
    public var name: String?

    public init(id: String? = nil, name: String? = nil) {
        self.id = id
        self.name = name
    }

    /// Links by name, the form a request can write without knowing the ID.
    public static func named(_ name: String) -> Self { Self(name: name) }

    enum CodingKeys: String, CodingKey { case id = "ID", name = "Name" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(.id)
        name = container.lenient(.name)
    }
}

/// A service identity: grants write on the service and its sidecar proxy, read on all services and nodes.
public struct ACLServiceIdentity: Sendable, Hashable, Codable {
    public var serviceName: String
    /// Empty means every datacenter.
    public var datacenters: [String]

    public init(serviceName: String, datacenters: [String] = []) {
        self.serviceName = serviceName
        self.datacenters = datacenters
    }

    enum CodingKeys: String, CodingKey { case serviceName = "ServiceName", datacenters = "Datacenters" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serviceName = try container.decode(String.self, forKey: .serviceName)
        datacenters = container.lenient(.datacenters, default: [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(serviceName, forKey: .serviceName)
        try container.encodeUnlessEmpty(datacenters, forKey: .datacenters)
    }
}
