import Consul
public import Logging
import MeshModel

/// Converges the optional shared Consul client token (key `client-token`): policy
/// `<prefix>-consul-client-policy`, secret `<prefix>-consul-client` and a token with the secret's IDs
/// and that policy (consul-ecs v0.2–v0.3 `UpsertConsulClientToken`, made repeatable by writing the
/// IDs to the secret before creating the token, as for service tokens).
public struct ClientTokenReconciler: Sendable {
    /// The policy's rules: what a Consul client agent needs.
    static let rules = """
        node_prefix "" { policy = "write" } service_prefix "" { policy = "read" }
        """
    static let policyDescription = "Consul Client Token Policy for ECS"
    static let tokenDescription = "ECS Consul client Token"

    private let provisioner: TokenProvisioner
    private let secretsPrefix: String

    public init(secrets: any TokenSecretStore, acl: any TokenACL, secretsPrefix: String) {
        self.provisioner = TokenProvisioner(secrets: secrets, acl: acl)
        self.secretsPrefix = secretsPrefix
    }

    /// `<prefix>-consul-client-policy`.
    public var policyName: String { "\(secretsPrefix)-consul-client-policy" }

    /// Converges the client token.
    /// - Throws: ``WorkerError``; the queue records it and retries.
    public func reconcile(logger: Logger) async throws(WorkerError) {
        try await provisioner.ensurePolicy(name: policyName, description: Self.policyDescription, rules: Self.rules,
                                           logger: logger)
        let (_, ids) = try await provisioner.ensureSecret(
            named: MeshNames.clientSecretName(prefix: secretsPrefix), logger: logger)
        let token = ACLToken(
            accessorID: ids.accessorID, secretID: ConsulToken(ids.token), description: Self.tokenDescription,
            policies: [.named(policyName)]
        )
        try await provisioner.ensureToken(accessorID: token.accessorID, logger: logger) {
            (token, TokenRepair.forSecret(existing: $0, desired: token))
        }
    }
}
