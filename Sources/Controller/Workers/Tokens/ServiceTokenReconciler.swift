import ByteCoding
import Consul
public import Foundation
public import Journal
public import Logging
import MeshModel

/// Converges the Consul token, the Secrets Manager secret and the `services` row of one service name
/// (key `service:<name>`), for every cluster that runs it, and revokes the token once no cluster has
/// run the service for the grace period. One key per name means one writer per name: two clusters
/// running `web` share one token and never race on it.
///
/// While any cluster runs the service: the secret `<prefix>-<service>` holds the IDs (generated
/// once, written first), Consul holds a token with exactly those IDs, a service identity for the
/// service and the consul-ecs description naming a cluster that runs it (``TokenRepair``), and the
/// journal holds the accessor ID, the secret's ARN and the SHA-256 of the token secret (never the
/// secret). A token found missing or drifted is repaired with the secret's own IDs. A service
/// verified once is not checked again until the set of clusters running it changes or a resync
/// asks (``VerifiedServices``).
///
/// Without live tasks anywhere: the clock starts when the last cluster's last task stopped; before
/// the grace period ends the answer asks the queue to run the key again at its end (no failed
/// attempt counted); after it,
/// the token is deleted and the secret keeps its IDs, so a later task gets the same token back.
public struct ServiceTokenReconciler: Sendable {
    /// Names and timing.
    public struct Configuration: Sendable, Equatable {
        public var secretsPrefix: String
        public var gracePeriod: TimeInterval

        public init(secretsPrefix: String, gracePeriod: TimeInterval) {
            self.secretsPrefix = secretsPrefix
            self.gracePeriod = gracePeriod
        }
    }

    private let journal: any JournalStore
    private let provisioner: TokenProvisioner
    private let index: ServiceTaskIndex
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let verified: VerifiedServices

    /// - Parameter verified: The names verified in this process; resync forgets names to have them
    ///   checked again.
    public init(journal: any JournalStore, secrets: any TokenSecretStore, acl: any TokenACL, index: ServiceTaskIndex,
                configuration: Configuration, verified: VerifiedServices = VerifiedServices(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.journal = journal
        self.provisioner = TokenProvisioner(secrets: secrets, acl: acl)
        self.index = index
        self.configuration = configuration
        self.verified = verified
        self.now = now
    }

    /// Converges the token of the service named `name`.
    /// - Returns: When no cluster runs the service and its grace period has not ended, the time to
    ///   look again (the end of the grace period).
    /// - Throws: ``WorkerError``; the queue records it and retries.
    public func reconcile(serviceName name: String, logger baseLogger: Logger) async throws(WorkerError) -> ReconcileResult {
        var logger = baseLogger
        logger[metadataKey: "mesh.service.name"] = .string(name)
        let clusters = index.liveClusters(ofService: name)
        // A gateway's token also links its kind's policy, so the kind is part of what was verified.
        let gatewayPolicy = index.gatewayKind(ofService: name).flatMap(GatewayTokenPolicy.init(kind:))
        let verifiedAs = clusters + (gatewayPolicy.map { ["policy:\($0.name)"] } ?? [])
        if clusters.isEmpty {
            return try await revokeIfIdle(name, logger: logger)
        } else if !verified.contains(name, clusters: verifiedAs) {
            try await provision(name, clusters: clusters, gatewayPolicy: gatewayPolicy, logger: logger)
            verified.insert(name, clusters: verifiedAs)
        }
        return .done
    }

    private func provision(_ name: String, clusters: [String], gatewayPolicy: GatewayTokenPolicy?,
                           logger: Logger) async throws(WorkerError) {
        let prefix = configuration.secretsPrefix
        // consul-ecs's controller binds its gateway roles at login; our tokens link the policies.
        if let gatewayPolicy {
            try await provisioner.ensurePolicy(name: gatewayPolicy.name, description: gatewayPolicy.description,
                                               rules: gatewayPolicy.rules, logger: logger)
        }
        let (arn, ids) = try await provisioner.ensureSecret(
            named: MeshNames.serviceSecretName(prefix: prefix, service: name), logger: logger)
        var home = clusters[0]
        let repaired = try await provisioner.ensureToken(accessorID: ids.accessorID, logger: logger) { existing in
            home = TokenRepair.homeCluster(of: existing, serviceName: name, liveClusters: clusters) ?? home
            let plan = ServiceTokenPlan(serviceName: name, clusterArn: home, secretNamePrefix: prefix)
            // Policies linked to the token (by an operator, or an earlier gateway kind) stay linked.
            var policies = existing?.policies.map { ACLPolicyLink(id: $0.id, name: $0.name) } ?? []
            if let gatewayPolicy, !policies.contains(where: { $0.name == gatewayPolicy.name }) {
                policies.append(.named(gatewayPolicy.name))
            }
            let token = ACLToken(
                accessorID: ids.accessorID, secretID: ConsulToken(ids.token), description: plan.tokenDescription,
                policies: policies, serviceIdentities: [ACLServiceIdentity(serviceName: plan.serviceIdentityName)])
            return (token, TokenRepair.forService(existing: existing, desired: token, serviceName: name,
                                                  liveClusters: clusters))
        }

        let existing = try await WorkerError.journal.wrapping("read service \(name)") { try await journal.service(name: name) }
        var record = existing ?? ServiceRecord(name: name, clusterArn: home, updatedAt: now())
        record.clusterArn = home
        record.accessorID = ids.accessorID
        record.secretArn = arn
        record.tokenSHA256 = Hex.sha256(ids.token)
        record.tokenDeletedAt = nil
        record.lastTaskSeenAt = now()
        record.updatedAt = now()
        try await WorkerError.journal.wrapping("store service \(name)") { try await journal.upsertService(record) }
        logger.debug("Service token is in place", metadata: [
            "mesh.token.accessor": .string(ids.accessorID), "mesh.cluster.arn": .string(home),
            "mesh.token.repair": .string("\(repaired)"),
        ])
    }

    private func revokeIfIdle(_ name: String, logger: Logger) async throws(WorkerError) -> ReconcileResult {
        verified.forget([name])
        guard var record = try await WorkerError.journal.wrapping("read service \(name)", {
            try await journal.service(name: name)
        }), let accessor = record.accessorID, record.tokenDeletedAt == nil
        else { return .done }

        let emptySince = index.emptySince(serviceNamed: name) ?? record.lastTaskSeenAt ?? now()
        if abs((record.lastTaskSeenAt ?? .distantPast).timeIntervalSince(emptySince)) > 0.001 {
            // Persist when the clock started, so a restart keeps the grace period instead of resetting it.
            record.lastTaskSeenAt = emptySince
            record.updatedAt = now()
            try await WorkerError.journal.wrapping("store service \(name)") { try await journal.upsertService(record) }
        }
        let deadline = emptySince.addingTimeInterval(configuration.gracePeriod)
        guard now() >= deadline else {
            logger.debug("Service has no live task in any cluster; token kept until the grace period ends", metadata: [
                "mesh.token.revoke_at": .string(deadline.formatted(.iso8601)),
            ])
            return .again(notBefore: deadline)
        }
        try await WorkerError.consulACL.wrapping("delete token \(accessor)") {
            try await provisioner.acl.deleteToken(accessorID: accessor, logger: logger)
        }
        record.tokenDeletedAt = now()
        record.updatedAt = now()
        try await WorkerError.journal.wrapping("store service \(name)") { try await journal.upsertService(record) }
        logger.info("Deleted the token of a service no cluster runs; the secret keeps its IDs", metadata: [
            "mesh.token.accessor": .string(accessor),
        ])
        return .done
    }
}
