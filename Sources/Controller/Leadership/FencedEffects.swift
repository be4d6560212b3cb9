public import Consul
public import LeaderElection
public import Logging
public import MeshModel

/// The catalog writes of a leader: every write passes the local lease check, and a deregistration
/// (destructive) also confirms the epoch with the lease store right before it goes out.
public struct FencedCatalogWriter: MeshCatalogWriter {
    let base: any MeshCatalogWriter
    let leadership: LeadershipGuard

    public init(_ base: any MeshCatalogWriter, leadership: LeadershipGuard) {
        self.base = base
        self.leadership = leadership
    }

    public func write(_ intent: CatalogIntent, change: CatalogIntent.Change, logger: Logger) async throws {
        try leadership.ensureLeading()
        try await base.write(intent, change: change, logger: logger)
    }

    public func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        try await leadership.confirmLeading()
        try await base.deregister(node: node, serviceIDs: serviceIDs, logger: logger)
    }
}

/// The ACL calls of a leader: writes pass the local lease check, and deleting a token
/// (destructive) also confirms the epoch with the lease store right before it goes out.
public struct FencedTokenACL: TokenACL {
    let base: any TokenACL
    let leadership: LeadershipGuard

    public init(_ base: any TokenACL, leadership: LeadershipGuard) {
        self.base = base
        self.leadership = leadership
    }

    public func token(accessorID: String, logger: Logger) async throws -> ACLToken? {
        try await base.token(accessorID: accessorID, logger: logger)
    }

    public func createToken(_ token: ACLToken, logger: Logger) async throws {
        try leadership.ensureLeading()
        try await base.createToken(token, logger: logger)
    }

    public func updateToken(_ token: ACLToken, logger: Logger) async throws {
        try leadership.ensureLeading()
        try await base.updateToken(token, logger: logger)
    }

    public func deleteToken(accessorID: String, logger: Logger) async throws {
        try await leadership.confirmLeading()
        try await base.deleteToken(accessorID: accessorID, logger: logger)
    }

    public func policy(named name: String, logger: Logger) async throws -> ACLPolicy? {
        try await base.policy(named: name, logger: logger)
    }

    public func createPolicy(_ policy: ACLPolicy, logger: Logger) async throws {
        try leadership.ensureLeading()
        try await base.createPolicy(policy, logger: logger)
    }
}
