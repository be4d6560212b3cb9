public import Foundation

/// What the token worker remembers about one mesh service. Holds the token's accessor ID and the
/// SHA-256 of its secret (to authenticate heartbeats), never the secret itself (DESIGN principle 5).
public struct ServiceRecord: Sendable, Equatable, Codable {
    /// The Consul service name (primary key).
    public var name: String
    public var clusterArn: String
    /// The Consul ACL token's AccessorID, once generated.
    public var accessorID: String?
    /// ARN of the Secrets Manager secret holding the token.
    public var secretArn: String?
    /// Lower-case hex SHA-256 of the token's SecretID.
    public var tokenSHA256: String?
    /// When a task of this service was last seen running (drives the token's grace period).
    public var lastTaskSeenAt: Date?
    /// When the token was deleted after the grace period, if it was.
    public var tokenDeletedAt: Date?
    public var updatedAt: Date

    public init(name: String, clusterArn: String, accessorID: String? = nil, secretArn: String? = nil,
                tokenSHA256: String? = nil, lastTaskSeenAt: Date? = nil, tokenDeletedAt: Date? = nil,
                updatedAt: Date) {
        self.name = name
        self.clusterArn = clusterArn
        self.accessorID = accessorID
        self.secretArn = secretArn
        self.tokenSHA256 = tokenSHA256
        self.lastTaskSeenAt = lastTaskSeenAt
        self.tokenDeletedAt = tokenDeletedAt
        self.updatedAt = updatedAt
    }
}
