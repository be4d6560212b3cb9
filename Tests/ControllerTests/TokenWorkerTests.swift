import ByteCoding
import Consul
import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// The token worker (key `service:<name>`) against an in-memory journal and fake Secrets Manager
/// and Consul ACL.
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
        let verified = VerifiedServices()
        let worker: ServiceTokenReconciler

        init(grace: TimeInterval = 300) throws {
            journal = try EventJournal.inMemory(logger: Logger(label: "test"))
            secrets = WorkerFakeSecrets(log: log)
            acl = WorkerFakeACL(log: log)
            worker = ServiceTokenReconciler(
                journal: journal, secrets: secrets, acl: acl, index: index,
                configuration: .init(secretsPrefix: "mesh", gracePeriod: grace), verified: verified)
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
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "secret.create mesh-web", "token.read", "token.create"])
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(token.secretID == ConsulToken(ids.token))
        #expect(token.serviceIdentities.map(\.serviceName) == ["web"])
        #expect(token.description == "Token for web service\nconsul.hashicorp.com/cluster: \(WorkerSample.cluster)")
        let record = try #require(try await rig.journal.service(name: "web"))
        #expect(record.accessorID == ids.accessorID)
        #expect(record.secretArn?.hasPrefix("arn:aws:secretsmanager:") == true)
        #expect(record.tokenSHA256 == Hex.sha256(ids.token))
        #expect(record.tokenSHA256 != ids.token)
    }

    /// A secret made by Terraform as `{}` gets new IDs (PutSecretValue) before the token is created.
    @Test func reconcile_whenSecretIsEmptyObject_putsIDsBeforeToken() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        await rig.secrets.seed(name: Self.secretName, value: "{}")
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
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
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
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
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let callsBefore = await rig.log.calls.count
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.log.calls.count == callsBefore)
    }

    /// A token under the secret's accessor with another secret is deleted and created again with
    /// the secret's IDs: tasks read the secret, so the secret wins.
    @Test func reconcile_whenTokenHoldsAnotherSecret_recreatesItWithTheSecretsIDs() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        let ids = TokenSecret.generate()
        await rig.secrets.seed(name: Self.secretName, value: try SecretsManagerTokenStore.encode(ids))
        await rig.acl.seed(ACLToken(accessorID: ids.accessorID, secretID: ConsulToken(TokenSecret.generate().token)))
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "token.read", "token.delete", "token.create"])
        #expect(await rig.acl.tokens[ids.accessorID]?.secretID == ConsulToken(ids.token))
    }

    /// A token deleted in Consul (by hand, or with Consul's state) comes back with the same IDs once
    /// the service is checked again, as a resync has it checked.
    @Test func reconcile_whenTokenDeletedAndVerificationForgotten_recreatesSameToken() async throws {
        // Given a provisioned token that then disappears from Consul
        let rig = try Rig()
        rig.addLiveTask()
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        try await rig.acl.deleteToken(accessorID: ids.accessorID, logger: logger)
        // When the cache still says verified, nothing is checked; once forgotten, it is
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        #expect(await rig.acl.tokens.isEmpty)
        rig.verified.forget(["web"])
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(token.secretID == ConsulToken(ids.token))
        #expect(token.serviceIdentities.map(\.serviceName) == ["web"])
    }

    /// A token whose description or identity was changed is updated in place (same IDs, no
    /// delete), and a right token costs reads only.
    @Test func reconcile_whenTokenDrifted_updatesInPlaceAndRightTokenWritesNothing() async throws {
        // Given a token with the secret's IDs but a foreign description and no identity
        let rig = try Rig()
        rig.addLiveTask()
        let ids = TokenSecret.generate()
        await rig.secrets.seed(name: Self.secretName, value: try SecretsManagerTokenStore.encode(ids))
        await rig.acl.seed(ACLToken(accessorID: ids.accessorID, secretID: ConsulToken(ids.token), description: "edited"))
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        rig.verified.forget(["web"])
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.log.calls == ["secret.read mesh-web", "token.read", "token.update",
                                        "secret.read mesh-web", "token.read"])
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(token.description == "Token for web service\nconsul.hashicorp.com/cluster: \(WorkerSample.cluster)")
        #expect(token.serviceIdentities.map(\.serviceName) == ["web"])
    }

    /// Two writers fill the same `{}` secret: the second one's write names the version the first
    /// already replaced, so it is superseded and the worker uses the first one's IDs.
    @Test func reconcile_whenAnotherWriterFillsEmptySecretFirst_usesTheirIDs() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        await rig.secrets.seed(name: Self.secretName, value: "{}")
        let theirs = TokenSecret.generate()
        await rig.secrets.raceNextPut(with: theirs)
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.secrets.ids(Self.secretName) == theirs)
        #expect(await rig.acl.tokens.count == 1)
        #expect(await rig.acl.tokens[theirs.accessorID]?.secretID == ConsulToken(theirs.token))
        #expect(try await rig.journal.service(name: "web")?.accessorID == theirs.accessorID)
    }

    /// No task for longer than the grace period: the token goes, the secret keeps its IDs.
    @Test func reconcile_whenNoTasksAfterGrace_deletesTokenKeepsSecret() async throws {
        // Given
        let rig = try Rig(grace: 0)
        rig.addLiveTask()
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.acl.tokens.isEmpty)
        #expect(await rig.secrets.ids(Self.secretName) == ids)
        #expect(try await rig.journal.service(name: "web")?.tokenDeletedAt != nil)
    }

    /// A new task after revocation gets the same token back (same IDs from the secret).
    @Test func reconcile_whenTaskReturnsAfterRevocation_recreatesSameToken() async throws {
        // Given
        let rig = try Rig(grace: 0)
        rig.addLiveTask()
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // When
        rig.addLiveTask("t2")
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.acl.tokens[ids.accessorID]?.secretID == ConsulToken(ids.token))
        #expect(try await rig.journal.service(name: "web")?.tokenDeletedAt == nil)
    }

    /// Within the grace period the token stays and the key is re-checked when the period ends.
    @Test func reconcile_whenNoTasksWithinGrace_keepsTokenAndSchedulesRecheck() async throws {
        // Given
        let rig = try Rig(grace: 300)
        rig.addLiveTask()
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let stopped = Date()
        rig.index.update(taskArn: "t1", service: Self.service, alive: false, at: stopped)
        // When
        let result = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then
        #expect(await rig.acl.tokens.count == 1)
        let recheck = try #require(result.notBefore)
        // (compared with the stop itself, not with the wall clock, which a loaded machine moves on)
        #expect(abs(recheck.timeIntervalSince(stopped) - 300) < 1, "re-checked when the grace period ends")
        #expect(result.enqueue.isEmpty)
        #expect(try await rig.journal.service(name: "web")?.lastTaskSeenAt != nil)
    }

    /// One token serves a service name in every cluster. While any cluster still runs it, the token
    /// stays; its description (and the `services` row) follows to a cluster that runs it; it goes
    /// only when no cluster has run it for the grace period.
    @Test func reconcile_whenSameServiceInTwoClusters_sharesOneTokenUntilNoClusterRunsIt() async throws {
        // Given "web" live in two clusters
        let rig = try Rig(grace: 0)
        let other = MeshServiceRef(clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/green", name: "web")
        rig.addLiveTask()
        rig.index.update(taskArn: "g1", service: other, alive: true)
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        #expect(await rig.acl.tokens.count == 1)
        // (the first cluster by ARN: ".../apps" before ".../green")
        #expect(try await rig.journal.service(name: "web")?.clusterArn == Self.service.clusterArn)

        // When the cluster the token names stops running it, and the key runs after the grace period
        rig.index.update(taskArn: "t1", service: Self.service, alive: false)
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)

        // Then the token stays with the same IDs and names the cluster still running it
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(await rig.acl.tokens.count == 1)
        #expect(token.description.hasSuffix(other.clusterArn))
        #expect(try await rig.journal.service(name: "web")?.clusterArn == other.clusterArn)
        #expect(try await rig.journal.service(name: "web")?.tokenDeletedAt == nil)

        // When the other cluster stops too
        rig.index.update(taskArn: "g1", service: other, alive: false)
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then the token goes, and the secret keeps its IDs
        #expect(await rig.acl.tokens.isEmpty)
        #expect(await rig.secrets.ids(Self.secretName) == ids)
    }

    /// The grace period runs from when the LAST cluster lost its last task: a cluster that stopped
    /// long ago does not make the token go while another cluster stopped only now.
    @Test func reconcile_whenClustersStoppedAtDifferentTimes_graceRunsFromTheLastStop() async throws {
        // Given "web" in two clusters, blue empty for 1000 s and green for 10 s, grace 300 s
        let rig = try Rig(grace: 300)
        let green = MeshServiceRef(clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/green", name: "web")
        rig.addLiveTask()
        rig.index.update(taskArn: "g1", service: green, alive: true)
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let greenStopped = Date().addingTimeInterval(-10)
        rig.index.update(taskArn: "t1", service: Self.service, alive: false, at: greenStopped.addingTimeInterval(-990))
        rig.index.update(taskArn: "g1", service: green, alive: false, at: greenStopped)
        // When
        let result = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then the token stays, and the key is re-checked when green's grace period ends
        #expect(await rig.acl.tokens.count == 1)
        let recheck = try #require(result.notBefore)
        // (both compared with green's stop itself, not with the wall clock: a loaded machine took 10 s to get here)
        #expect(abs(recheck.timeIntervalSince(greenStopped) - 300) < 1, "re-checked 300 s after green's stop")
        let since = try #require(try await rig.journal.service(name: "web")?.lastTaskSeenAt)
        #expect(abs(since.timeIntervalSince(greenStopped)) < 1, "the clock started at green's stop, not blue's 990 s earlier")
    }

    /// A legacy per-cluster key (a journal written before keys were per name) queues its name's
    /// key and touches nothing itself, so the name keeps one writer.
    @Test func meshReconciler_whenLegacyServiceKey_queuesTheNamesKeyOnly() async throws {
        // Given
        let rig = try Rig()
        rig.addLiveTask()
        let ecs = WorkerFakeECS()
        let registration = TaskRegistrationReconciler(
            journal: rig.journal, metadata: TaskMetadataResolver(journal: rig.journal, tasks: ecs, definitions: ecs),
            catalog: WorkerRecordingCatalog(), index: rig.index,
            planConfiguration: MeshPlanConfiguration(proxyPort: 21000))
        let reconciler = MeshWorkReconciler(registration: registration, tokens: rig.worker, clientToken: nil)
        // When
        let result = try await reconciler.reconcile(key: "service:\(WorkerSample.cluster)/web", logger: logger)
        // Then
        #expect(result == .enqueue(["service:web"]))
        #expect(await rig.log.calls.isEmpty)
    }

    /// A service that never had a token has nothing to revoke.
    @Test func reconcile_whenNoTasksAndNoToken_doesNothing() async throws {
        // Given
        let rig = try Rig(grace: 0)
        // When
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
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

    /// A gateway's token links its kind's policy, which is created once; a token of the service made
    /// before it was known as a gateway gets the policy linked in place (same IDs), keeping other links.
    @Test func reconcile_whenServiceBecomesGateway_linksThePolicyInPlace() async throws {
        // Given a verified token of a typical service, with a policy an operator linked
        let rig = try Rig()
        rig.addLiveTask()
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        let ids = try #require(await rig.secrets.ids(Self.secretName))
        var linked = try #require(await rig.acl.tokens[ids.accessorID])
        linked.policies = [.named("operator-extra")]
        await rig.acl.seed(linked)
        // When its tasks turn out to be a mesh gateway
        #expect(rig.index.setGatewayKind(.meshGateway, forService: "web"))
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        // Then the policy exists and is linked beside the operator's, with the same IDs
        let token = try #require(await rig.acl.tokens[ids.accessorID])
        #expect(token.secretID == ConsulToken(ids.token))
        #expect(token.policies.compactMap(\.name) == ["operator-extra", "consul-ecs-mesh-gateway-policy"])
        #expect(await rig.acl.policies["consul-ecs-mesh-gateway-policy"]?.rules.contains("service_prefix") == true)
        #expect(await rig.log.calls.contains("token.update"))
        // And a second run with nothing new writes nothing
        let calls = await rig.log.calls.count
        _ = try await rig.worker.reconcile(serviceName: "web", logger: logger)
        #expect(await rig.log.calls.count == calls)
    }
}
