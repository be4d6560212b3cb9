public import Consul
public import Logging

/// The Consul ACL calls of the token worker; its seam (``ConsulTokenACL`` in production).
public protocol TokenACL: Sendable {
    /// The token, or `nil` when Consul does not know the accessor.
    func token(accessorID: String, logger: Logger) async throws -> ACLToken?
    /// Creates a token with the IDs it carries.
    func createToken(_ token: ACLToken, logger: Logger) async throws
    /// Replaces an existing token's description and identities; its IDs stay.
    func updateToken(_ token: ACLToken, logger: Logger) async throws
    /// Deletes a token; deleting a missing token succeeds.
    func deleteToken(accessorID: String, logger: Logger) async throws
    /// The policy, or `nil` when Consul does not know it.
    func policy(named name: String, logger: Logger) async throws -> ACLPolicy?
    /// Creates a policy.
    func createPolicy(_ policy: ACLPolicy, logger: Logger) async throws
}

/// ``TokenACL`` over ``ConsulClient`` (with the controller's management token).
public struct ConsulTokenACL: TokenACL {
    private let consul: ConsulClient

    public init(consul: ConsulClient) {
        self.consul = consul
    }

    public func token(accessorID: String, logger: Logger) async throws -> ACLToken? {
        try await consul.token(accessorID: accessorID, logger: logger)
    }

    public func createToken(_ token: ACLToken, logger: Logger) async throws {
        _ = try await consul.createToken(token, logger: logger)
    }

    public func updateToken(_ token: ACLToken, logger: Logger) async throws {
        _ = try await consul.updateToken(token, logger: logger)
    }

    public func deleteToken(accessorID: String, logger: Logger) async throws {
        try await consul.deleteToken(accessorID: accessorID, logger: logger)
    }

    public func policy(named name: String, logger: Logger) async throws -> ACLPolicy? {
        try await consul.policy(named: name, logger: logger)
    }

    public func createPolicy(_ policy: ACLPolicy, logger: Logger) async throws {
        _ = try await consul.createPolicy(policy, logger: logger)
    }
}
