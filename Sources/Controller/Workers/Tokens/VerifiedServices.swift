import Synchronization

/// The service names whose token the token worker verified in this process, each with the clusters
/// that ran it then (in memory; a restart verifies each once more). Spares a read of Secrets Manager
/// and Consul for every task event of a service. A name counts as verified only for the same set
/// of clusters (the token's description must name one that runs it), and resync forgets the names
/// it sweeps, so that their tokens are checked again. Each leadership term starts empty
/// (``forgetAll()``): another leader may have deleted or replaced a token meanwhile.
public final class VerifiedServices: Sendable {
    private let verified = Mutex<[String: [String]]>([:])

    public init() {}

    /// Whether `name`'s token was verified while exactly `clusters` ran it.
    func contains(_ name: String, clusters: [String]) -> Bool {
        verified.withLock { $0[name] == clusters }
    }

    func insert(_ name: String, clusters: [String]) { verified.withLock { $0[name] = clusters } }

    /// Forgets `names`: the next run of each name's key reads the secret and the token again.
    public func forget(_ names: some Sequence<String>) {
        verified.withLock { map in for name in names { map[name] = nil } }
    }

    /// Forgets every name (a new leadership term: what this process verified in an earlier term may
    /// have been revoked or replaced by another leader since), so each service's next run checks again.
    func forgetAll() {
        verified.withLock { $0.removeAll() }
    }

    /// Names verified (tests).
    var count: Int { verified.withLock { $0.count } }
}
