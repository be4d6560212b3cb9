import Consul
import Crypto
public import Foundation
public import Journal
public import Logging
public import MeshModel
import Synchronization

/// Converges the Consul token and Secrets Manager secret of one service (key
/// `service:<clusterArn>/<name>`), and revokes the token once the service has had no live task for
/// the grace period.
///
/// While the service has live tasks: the secret `<prefix>-<service>` holds the IDs (generated once,
/// written first), Consul holds a token with exactly those IDs, a service identity for the service
/// and the consul-ecs description naming the cluster, and the journal holds the accessor ID, the
/// secret's ARN and the SHA-256 of the token secret (never the secret). A service verified once in
/// this process is not checked again until its tasks change.
///
/// Without live tasks: the clock starts when the last task stopped; before the grace period ends
/// the key is re-enqueued for its end (no failed attempt counted); after it, the token is deleted
/// and the secret keeps its IDs, so a later task of the service gets the same token back.
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

    private let journal: EventJournal
    private let provisioner: TokenProvisioner
    private let index: ServiceTaskIndex
    private let requeue: DelayedRequeue
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let verified = VerifiedServices()

    public init(journal: EventJournal, secrets: any TokenSecretStore, acl: any TokenACL, index: ServiceTaskIndex,
                requeue: DelayedRequeue, configuration: Configuration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.journal = journal
        self.provisioner = TokenProvisioner(secrets: secrets, acl: acl)
        self.index = index
        self.requeue = requeue
        self.configuration = configuration
        self.now = now
    }

    /// Converges the token of `service`.
    /// - Throws: ``WorkerError``; the queue records it and retries.
    public func reconcile(service: MeshServiceRef, logger baseLogger: Logger) async throws(WorkerError) {
        var logger = baseLogger
        logger[metadataKey: "mesh.service.name"] = .string(service.name)
        logger[metadataKey: "mesh.cluster.arn"] = .string(service.clusterArn)
        if index.liveTasks(of: service) > 0 {
            guard !isVerified(service) else { return }
            try await provision(service, logger: logger)
        } else {
            try await revokeIfIdle(service, logger: logger)
        }
    }

    private func isVerified(_ service: MeshServiceRef) -> Bool {
        verified.contains(service.name)
    }

    private func provision(_ service: MeshServiceRef, logger: Logger) async throws(WorkerError) {
        let plan = ServiceTokenPlan(serviceName: service.name, clusterArn: service.clusterArn,
                                    secretNamePrefix: configuration.secretsPrefix)
        let (arn, ids) = try await provisioner.ensureSecret(named: plan.secretName, logger: logger)
        let token = ACLToken(
            accessorID: ids.accessorID, secretID: ConsulToken(ids.token), description: plan.tokenDescription,
            serviceIdentities: [ACLServiceIdentity(serviceName: plan.serviceIdentityName)]
        )
        try await provisioner.ensureToken(token, logger: logger)

        let existing = try WorkerError.journal.wrappingSync("read service \(service.name)") {
            try journal.service(name: service.name)
        }
        var record = existing ?? ServiceRecord(name: service.name, clusterArn: service.clusterArn, updatedAt: now())
        record.clusterArn = service.clusterArn
        record.accessorID = ids.accessorID
        record.secretArn = arn
        record.tokenSHA256 = Self.sha256Hex(ids.token)
        record.tokenDeletedAt = nil
        record.lastTaskSeenAt = now()
        record.updatedAt = now()
        try await WorkerError.journal.wrapping("store service \(service.name)") { try await journal.upsertService(record) }
        verified.insert(service.name)
        logger.debug("Service token is in place", metadata: ["mesh.token.accessor": .string(ids.accessorID)])
    }

    private func revokeIfIdle(_ service: MeshServiceRef, logger: Logger) async throws(WorkerError) {
        verified.remove(service.name)
        guard var record = try WorkerError.journal.wrappingSync("read service \(service.name)", {
            try journal.service(name: service.name)
        }), let accessor = record.accessorID, record.tokenDeletedAt == nil, record.clusterArn == service.clusterArn
        else { return }
        // The token and its secret belong to the service name, and a service of the same name may run
        // in another cluster this controller serves: then the token is still in use. It stays, and
        // that cluster's key takes the record over (this process no longer counts it as verified).
        let elsewhere = index.liveServices(named: service.name).filter { $0 != service }
        if !elsewhere.isEmpty {
            for other in elsewhere { await requeue.schedule(other.workKey, at: now()) }
            logger.info("Service has no task in this cluster but runs in another; its token stays", metadata: [
                "mesh.token.accessor": .string(accessor), "mesh.cluster.other": .string(elsewhere[0].clusterArn),
            ])
            return
        }

        let emptySince = index.emptySince(service) ?? record.lastTaskSeenAt ?? now()
        if abs((record.lastTaskSeenAt ?? .distantPast).timeIntervalSince(emptySince)) > 0.001 {
            // Persist when the clock started, so a restart keeps the grace period instead of resetting it.
            record.lastTaskSeenAt = emptySince
            record.updatedAt = now()
            try await WorkerError.journal.wrapping("store service \(service.name)") { try await journal.upsertService(record) }
        }
        let deadline = emptySince.addingTimeInterval(configuration.gracePeriod)
        guard now() >= deadline else {
            await requeue.schedule(service.workKey, at: deadline)
            logger.debug("Service has no live task; token kept until the grace period ends", metadata: [
                "mesh.token.revoke_at": .string(deadline.formatted(.iso8601)),
            ])
            return
        }
        try await WorkerError.consulACL.wrapping("delete token \(accessor)") {
            try await provisioner.acl.deleteToken(accessorID: accessor, logger: logger)
        }
        record.tokenDeletedAt = now()
        record.updatedAt = now()
        try await WorkerError.journal.wrapping("store service \(service.name)") { try await journal.upsertService(record) }
        logger.info("Deleted the token of a service without tasks; the secret keeps its IDs", metadata: [
            "mesh.token.accessor": .string(accessor),
        ])
    }

    /// Lower-case hex SHA-256 of a token secret (what heartbeats are authenticated against).
    static func sha256Hex(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 0x10 ? "0" + text : text
        }.joined()
    }
}

/// Services whose token this process has verified (in memory; a restart verifies each once more).
final class VerifiedServices: Sendable {
    private let names = Mutex<Set<String>>([])

    func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }
    func insert(_ name: String) { _ = names.withLock { $0.insert(name) } }
    func remove(_ name: String) { _ = names.withLock { $0.remove(name) } }
}
