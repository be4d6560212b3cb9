import OpaqueJSON

/// A Consul ACL token (`/v1/acl/token`).
///
/// To create one with IDs chosen by us (so that a retried create is the same token, as the
/// consul-ecs ACL controller does), set ``accessorID`` and ``secretID``. Token lists omit the secret,
/// so ``secretID`` is `nil` there. Printing a token never shows the secret (``ConsulToken``).
public struct ACLToken: Sendable, Equatable, Codable {
    /// Public ID of the token; safe to log and to use in paths.
    public var accessorID: String
    /// The secret; `nil` in lists.
    public var secretID: ConsulToken?
    public var description: String
    public var policies: [ACLPolicyLink]
    public var serviceIdentities: [ACLServiceIdentity]
    /// `true` keeps the token in this datacenter only.
    public var local: Bool
    /// Read-only, set on tokens read from Consul.
    public var createTime: String?
    public var createIndex: UInt64?
    public var modifyIndex: UInt64?

    public init(
        accessorID: String, secretID: ConsulToken?, description: String = "",
        policies: [ACLPolicyLink] = [], serviceIdentities: [ACLServiceIdentity] = [], local: Bool = false
    ) {
        self.accessorID = accessorID
        self.secretID = secretID
        self.description = description
        self.policies = policies
        self.serviceIdentities = serviceIdentities
        self.local = local
    }

    enum CodingKeys: String, CodingKey {
        case accessorID = "AccessorID", secretID = "SecretID", description = "Description"
        case policies = "Policies", serviceIdentities = "ServiceIdentities", local = "Local"
        case createTime = "CreateTime", createIndex = "CreateIndex", modifyIndex = "ModifyIndex"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessorID = try container.decode(String.self, forKey: .accessorID)
        secretID = container.lenient(.secretID)
        description = container.lenient(.description, default: "")
        policies = container.lenient(.policies, default: [])
        serviceIdentities = container.lenient(.serviceIdentities, default: [])
        local = container.lenient(.local, default: false)
        createTime = container.lenient(.createTime)
        createIndex = container.lenient(.createIndex)
        modifyIndex = container.lenient(.modifyIndex)
    }

    /// Writes only what a create request may carry.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accessorID, forKey: .accessorID)
        try container.encodeIfPresent(secretID, forKey: .secretID)
        try container.encode(description, forKey: .description)
        try container.encodeUnlessEmpty(policies, forKey: .policies)
        try container.encodeUnlessEmpty(serviceIdentities, forKey: .serviceIdentities)
        try container.encode(local, forKey: .local)
    }
}
