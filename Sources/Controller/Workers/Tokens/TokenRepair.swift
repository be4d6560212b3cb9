import Consul
import MeshModel

/// What must be written so that Consul holds a token exactly as its secret and service require:
/// the pure half of token verification, shared by every check of a token (a task's first event,
/// each resync, a restart).
///
/// The secret's IDs always win: tasks read their token from the secret, so a token that differs is
/// repaired with those IDs, never the other way round.
enum TokenRepair: Sendable, Equatable {
    /// The token is as it must be: nothing to write.
    case none
    /// No token under the secret's accessor (never made, deleted by hand, or lost with Consul's
    /// state): create it with the secret's IDs.
    case create
    /// The token under the accessor holds another secret. Consul cannot change a SecretID, so the
    /// token is deleted and created again with the secret's IDs.
    case recreate
    /// The IDs are right but the token's service identity, description or policies are not: update it in
    /// place (same IDs, so tasks holding the secret are never locked out).
    case update(reasons: [String])

    /// The repair of a service token.
    /// - Parameters:
    ///   - existing: The token Consul holds under the secret's accessor, or `nil`.
    ///   - desired: The token as it must be (the secret's IDs, the service identity, a description
    ///     naming a cluster that runs the service).
    ///   - liveClusters: Every cluster running the service: a description naming any of them is right.
    static func forService(existing: ACLToken?, desired: ACLToken, serviceName: String,
                           liveClusters: [String]) -> TokenRepair {
        guard let existing else { return .create }
        guard existing.secretID == desired.secretID else { return .recreate }
        var reasons: [String] = []
        if existing.serviceIdentities != desired.serviceIdentities {
            reasons.append("service identity \(existing.serviceIdentities.map(\.serviceName)) instead of [\(serviceName)]")
        }
        let namesLiveCluster = liveClusters.contains {
            ServiceTokenPlan.serviceName(fromTokenDescription: existing.description, clusterArn: $0) == serviceName
        }
        if !namesLiveCluster { reasons.append("description names no cluster that runs the service") }
        let linked = Set(existing.policies.compactMap(\.name))
        let missing = desired.policies.compactMap(\.name).filter { !linked.contains($0) }
        if !missing.isEmpty { reasons.append("policies \(missing) not linked") }
        return reasons.isEmpty ? .none : .update(reasons: reasons)
    }

    /// The repair of a token whose secret is all that matters (the shared client token).
    static func forSecret(existing: ACLToken?, desired: ACLToken) -> TokenRepair {
        guard let existing else { return .create }
        return existing.secretID == desired.secretID ? .none : .recreate
    }

    /// The cluster a service token's description names: the one the existing token names while it
    /// still runs the service, else the first running cluster (by ARN). So the description, and
    /// the `services` row's `cluster_arn` that follows it, change only when that cluster stops
    /// running the service.
    static func homeCluster(of existing: ACLToken?, serviceName: String, liveClusters: [String]) -> String? {
        if let existing, let named = liveClusters.first(where: {
            ServiceTokenPlan.serviceName(fromTokenDescription: existing.description, clusterArn: $0) == serviceName
        }) {
            return named
        }
        return liveClusters.min()
    }
}
