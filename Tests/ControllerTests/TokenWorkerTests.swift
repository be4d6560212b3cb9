import Consul
import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

/// The token worker (key `service:<cluster>/<name>`) against an in-memory journal and fake
/// Secrets Manager and Consul ACL.
struct TokenWorkerTests {
    private let logger = Logger(label: "token-worker-test")
    private static let service = MeshServiceRef(clusterArn: WorkerSample.cluster, name: "web")
    private static let secretName = "mesh-web"

    private struct Rig {
        let journal: EventJournal
        let log = WorkerCallLog()
        let secrets: WorkerFakeSecrets
        let acl: WorkerFakeACL
        let index = ServiceTaskIndex()
        let enqueuer = WorkerRecordingEnqueuer()
        let requeue: DelayedRequeue
        let worker: ServiceTokenReconciler

        init(grace: TimeInterval = 300) throws {
            journal = try EventJournal.inMemory(logger: Logger(label: "test"))
            secrets = WorkerFakeSecrets(log: log)
            acl = WorkerFakeACL(log: log)
            requeue = DelayedRequeue(target: enqueuer, logger: Logger(label: "test"))
            worker = ServiceTokenReconciler(
                journal: journal, secrets: secrets, acl: acl, index: index, requeue: requeue,
                configuration: .init(secretsPrefix: "mesh", gracePeriod: grace))
        }

        func addLiveTask(_ arn: String = "t1") {
            index.update(taskArn: arn, service: TokenWorkerTests.service, alive: true)
        }
    }

    /// No secret yet: the IDs are written to a new secret before the token is created with them, and
    /// the journal keeps the accessor, the ARN and a SHA-256 of the secret, never the secret.
    @Test func reconcile_whenSecretMissing_createsSecretBeforeToken() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "secret.create mesh-web", "token.read", "token.create"])
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(token.secretID == ConsulToken(ids.token))
        #expect(token.serviceIdentities.map(\.serviceName) == ["web"])
        #expect(token.description == "Token for web service\nconsul.hashicorp.com/cluster: \(WorkerSample.cluster)")
        let record = try #require(try rig.journal.service(name: "web"))
        #expect(record.accessorID == ids.accessorID)
        #expect(record.secretArn?.hasPrefix("arn:aws:secretsmanager:") == true)
        #expect(record.tokenSHA256 == ServiceTokenReconciler.sha256Hex(ids.token))
        #expect(record.tokenSHA256 != ids.token)
    }

    /// A secret made by Terraform as `{}` gets new IDs (PutSecretValue) before the token is created.
    @Test func reconcile_whenSecretIsEmptyObject_putsIDsBeforeToken() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        await rig.secrets.seed(name: Self.secretName, value: "{}")
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "secret.put", "token.read", "token.create"])
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        #expect(await rig.acl.tokens[ids.accessorID]?.secretID == ConsulToken(ids.token))
    }

    /// The crash window: IDs in the secret but no token. The token is created with exactly those IDs.
    @Test func reconcile_whenSecretHasIDsButNoToken_createsThatToken() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        let ids = TokenSecret.generate()
        await rig.secrets.seed(name: Self.secretName, value: try SecretsManagerTokenStore.encode(ids))
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "token.read", "token.create"])
        #expect(await rig.acl.tokens.count == 1)
        #expect(await rig.acl.tokens[ids.accessorID]?.secretID == ConsulToken(ids.token))
    }

    /// Once verified, the service costs no further calls while its tasks stay.
    @Test func reconcile_whenAlreadyVerified_makesNoCalls() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        let callsBefore = await rig.log.calls.count
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.log.calls.count == callsBefore)
    }

    /// A token under the secret's accessor with another secret is reported, not papered over.
    @Test func reconcile_whenTokenHoldsAnotherSecret_throwsTokenMismatch() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        let ids = TokenSecret.generate()
        await rig.secrets.seed(name: Self.secretName, value: try SecretsManagerTokenStore.encode(ids))
        await rig.acl.seed(ACLToken(accessorID: ids.accessorID, secretID: ConsulToken(TokenSecret.generate().token)))
        // When / Then
        await #expect(throws: WorkerError.tokenMismatch) {
            try await rig.worker.reconcile(service: Self.service, logger: logger)
        }
    }

    /// No task for longer than the grace period: the token goes, the secret keeps its IDs.
    @Test func reconcile_whenNoTasksAfterGrace_deletesTokenKeepsSecret() async throws {
        // Given
        let rig = try Rig(grace: 0)
        rig.addLiveTask()
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.acl.tokens.isEmpty)
        #expect(await rig.secrets.ids(Self.secretName) == ids)
        #expect(try rig.journal.service(name: "web")?.tokenDeletedAt != nil)
    }

    /// A new task after revocation gets the same token back (same IDs from the secret).
    @Test func reconcile_whenTaskReturnsAfterRevocation_recreatesSameToken() async throws {
        // Given
        let rig = try Rig(grace: 0)
        rig.addLiveTask()
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // When
        rig.addLiveTask("t2")
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.acl.tokens[ids.accessorID]?.secretID == ConsulToken(ids.token))
        #expect(try rig.journal.service(name: "web")?.tokenDeletedAt == nil)
    }

    /// Within the grace period the token stays and the key is re-checked when the period ends.
    @Test func reconcile_whenNoTasksWithinGrace_keepsTokenAndSchedulesRecheck() async throws {
        // Given
        let rig = try Rig(grace: 300)
        rig.addLiveTask()
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.acl.tokens.count == 1)
        #expect(await rig.requeue.pendingKeys == [Self.service.workKey])
        #expect(try rig.journal.service(name: "web")?.lastTaskSeenAt != nil)
    }

    /// One token serves a service name. When the cluster whose key provisioned it runs out of tasks
    /// while another cluster still runs the same service, the token stays and that cluster takes
    /// the record over.
    @Test func reconcile_whenSameServiceStillRunsInAnotherCluster_keepsTokenAndHandsItOver() async throws {
        // Given "web" live in two clusters; the first one's key provisioned the token
        let rig = try Rig(grace: 0)
        let other = MeshServiceRef(clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/green", name: "web")
        rig.addLiveTask()
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        rig.index.update(taskArn: "g1", service: other, alive: true)
        try await rig.worker.reconcile(service: other, logger: logger)
        #expect(try rig.journal.service(name: "web")?.clusterArn == Self.service.clusterArn)

        // When the first cluster's task stops and its key runs after the grace period
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        try await rig.worker.reconcile(service: Self.service, logger: logger)

        // Then the token stays, and the other cluster's key is queued and takes the record over
        #expect(await rig.acl.tokens.count == 1)
        #expect(try rig.journal.service(name: "web")?.tokenDeletedAt == nil)
        var handedOver = false
        for _ in 0..<400 where !handedOver {
            handedOver = await rig.enqueuer.enqueued.contains(other.workKey)
            if !handedOver { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(handedOver, "the live cluster's key was queued")
        try await rig.worker.reconcile(service: other, logger: logger)
        #expect(try rig.journal.service(name: "web")?.clusterArn == other.clusterArn)
        #expect(await rig.acl.tokens.count == 1)
    }

    /// A service that never had a token has nothing to revoke.
    @Test func reconcile_whenNoTasksAndNoToken_doesNothing() async throws {
        // Given
        let rig = try Rig(grace: 0)
        // When
        try await rig.worker.reconcile(service: Self.service, logger: logger)
        // Then
        #expect(await rig.log.calls.isEmpty)
    }

    /// The client token: policy, then secret, then a token with the policy and the secret's IDs.
    @Test func clientToken_whenMissing_createsPolicySecretAndToken() async throws {
        // Given
        let log = WorkerCallLog()
        let secrets = WorkerFakeSecrets(log: log)
        let acl = WorkerFakeACL(log: log)
        let worker = ClientTokenReconciler(secrets: secrets, acl: acl, secretsPrefix: "mesh")
        // When
        try await worker.reconcile(logger: logger)
        try await worker.reconcile(logger: logger)
        // Then
        let policy = try #require(await acl.policies["mesh-consul-client-policy"])
        #expect(policy.rules.contains(#"node_prefix "" { policy = "write" }"#))
        #expect(policy.rules.contains(#"service_prefix "" { policy = "read" }"#))
        let ids = try #require(await secrets.ids("mesh-consul-client"))
        let token = try #require(await acl.tokens[ids.accessorID])
        #expect(token.policies == [.named("mesh-consul-client-policy")])
        #expect(await acl.tokens.count == 1)
        #expect(await log.calls.filter { $0 == "token.create" }.count == 1)
    }
}
