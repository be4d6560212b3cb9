import AWS
import Consul
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// Tasks outside the mesh, and secrets left half-done by a crash or by Terraform.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct WorkerEdgeCaseTests {
    /// A task without `consul.hashicorp.com/mesh=true` is described once and never registered, and
    /// gets no token or secret.
    @Test(.timeLimit(.minutes(2)))
    func untaggedTask_whenRunning_isNeverRegistered() async throws {
        // Given a task tagged for something else
        let sfx = uniqueSuffix()
        let family = "plain-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "plain-\(sfx)", services: [
            .init(family: family, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "false", "team": "x"]),
        ])
        let controller = try await InProcessController(secretsPrefix: "plain-\(sfx)")
        let probe = try MeshWorldProbe()
        let task = try #require(moto.tasks.first)
        // When its whole lifecycle up to RUNNING arrives
        for event in MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn).prefix(3) {
            #expect(await controller.post([event]) == 202)
        }
        // Then its work is done without registering anything
        let done = await eventually { try await controller.workItem("task:\(task.taskArn)")?.state == .done }
        #expect(done)
        #expect(try await controller.journal.taskMeta(arn: task.taskArn)?.mesh == false)
        #expect(try await probe.instances(family).isEmpty)
        #expect(try await probe.nodeServices(clusterArn: moto.clusterArn).isEmpty)
        #expect(try await probe.secretExists("plain-\(sfx)-\(family)") == false)
        #expect(try await probe.serviceTokens(clusterArn: moto.clusterArn).isEmpty)
        await controller.stop()
    }

    /// A crash after the secret was written but before the token was created leaves IDs in the
    /// secret and no token; the next run creates exactly that token, once.
    @Test(.timeLimit(.minutes(2)))
    func crashBetweenSecretAndToken_recoversToOneConsistentToken() async throws {
        // Given the secret holds IDs whose token Consul does not have
        let sfx = uniqueSuffix()
        let service = "crash-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "crash-\(sfx)", services: [
            .init(family: service, ports: [8080], count: 2, tags: ["consul.hashicorp.com/mesh": "true"]),
        ])
        let probe = try MeshWorldProbe()
        let ids = TokenSecret.generate()
        let secretName = "crash-\(sfx)-\(service)"
        _ = try await probe.secrets.createSecret(
            name: secretName, secretString: try SecretsManagerTokenStore.encode(ids),
            clientRequestToken: UUID().uuidString.lowercased())
        #expect(try await probe.consul.token(accessorID: ids.accessorID, logger: probe.logger) == nil)
        let controller = try await InProcessController(secretsPrefix: "crash-\(sfx)")

        // When the service's tasks start (twice each: a redelivery must not make a second token)
        for task in moto.tasks {
            let events = MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn)
            await controller.post([events[0]])
            await controller.post([events[0], events[2]])
        }

        // Then Consul has one token for the service, with the secret's IDs, and it works
        let created = await eventually { try await probe.consul.token(accessorID: ids.accessorID, logger: probe.logger) != nil }
        #expect(created)
        let me = try await probe.tokenSelf(secret: ids.token)
        #expect(me.accessorID == ids.accessorID)
        #expect(me.serviceIdentities.map(\.serviceName) == [service])
        let passing = await eventually { try await probe.instances(service, passingOnly: true).count == 2 }
        #expect(passing)
        #expect(try await probe.serviceTokens(clusterArn: moto.clusterArn).count == 1)
        #expect(try await probe.secret(secretName) == ids)
        await controller.stop()
    }

    /// A secret Terraform created as `{}` gets IDs (PutSecretValue) and a matching token.
    @Test(.timeLimit(.minutes(2)))
    func emptySecretFromTerraform_getsIDsAndMatchingToken() async throws {
        // Given
        let sfx = uniqueSuffix()
        let service = "tf-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "tf-\(sfx)", services: [
            .init(family: service, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"]),
        ])
        let probe = try MeshWorldProbe()
        let secretName = "tf-\(sfx)-\(service)"
        _ = try await probe.secrets.createSecret(name: secretName, secretString: "{}",
                                                 clientRequestToken: UUID().uuidString.lowercased())
        let controller = try await InProcessController(secretsPrefix: "tf-\(sfx)")
        // When
        let task = try #require(moto.tasks.first)
        await controller.post([MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn)[0]])
        // Then
        let filled = await eventually { try await probe.secret(secretName) != nil }
        #expect(filled)
        let ids = try #require(try await probe.secret(secretName))
        let working = await eventually { (try? await probe.tokenSelf(secret: ids.token))?.accessorID == ids.accessorID }
        #expect(working)
        await controller.stop()
    }

    /// After the grace period without tasks the token is deleted and the secret kept; a new task of
    /// the service brings the same token back.
    @Test(.timeLimit(.minutes(2)))
    func serviceWithoutTasks_afterGrace_losesTokenThenGetsSameOneBack() async throws {
        // Given a service with one task and a one-second grace period
        let sfx = uniqueSuffix()
        let service = "grace-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "grace-\(sfx)", services: [
            .init(family: service, ports: [8080], count: 2, tags: ["consul.hashicorp.com/mesh": "true"]),
        ])
        let probe = try MeshWorldProbe()
        let controller = try await InProcessController(secretsPrefix: "grace-\(sfx)") { $0.mesh.tokenGraceSeconds = 1 }
        let (first, second) = (moto.tasks[0], moto.tasks[1])
        let lifecycle = MeshEventBuilder.lifecycle(first, clusterArn: moto.clusterArn)
        for event in lifecycle.prefix(3) { await controller.post([event]) }
        let secretName = "grace-\(sfx)-\(service)"
        let provisioned = await eventually { try await probe.secret(secretName) != nil }
        #expect(provisioned)
        let ids = try #require(try await probe.secret(secretName))
        let tokenExists = await eventually { (try? await probe.tokenSelf(secret: ids.token)) != nil }
        #expect(tokenExists)

        // When its only task stops
        for event in lifecycle.suffix(2) { await controller.post([event]) }
        // Then the token is deleted once the grace period is over, and the secret keeps the IDs
        let revoked = await eventually {
            guard try await probe.consul.token(accessorID: ids.accessorID, logger: probe.logger) == nil else { return false }
            return try await controller.journal.service(name: service)?.tokenDeletedAt != nil
        }
        #expect(revoked, "token deleted in Consul and recorded in the journal")
        #expect(try await probe.secret(secretName) == ids)

        // When a new task of the service arrives
        await controller.post([MeshEventBuilder.lifecycle(second, clusterArn: moto.clusterArn)[0]])
        // Then the same token is back
        let back = await eventually { (try? await probe.tokenSelf(secret: ids.token))?.accessorID == ids.accessorID }
        #expect(back)
        #expect(try await probe.serviceTokens(clusterArn: moto.clusterArn).count == 1)
        await controller.stop()
    }

    /// With `mesh.clientToken` on, the start-up sweep provisions the shared client token: its policy,
    /// its secret, and a token with the secret's IDs and that policy.
    @Test(.timeLimit(.minutes(2)))
    func clientToken_whenEnabled_isProvisionedAtStart() async throws {
        // Given / When a controller starts with the client token enabled
        let sfx = uniqueSuffix()
        let prefix = "client-\(sfx)"
        let controller = try await InProcessController(secretsPrefix: prefix) { $0.mesh.clientToken = true }
        let probe = try MeshWorldProbe()
        // Then
        let done = await eventually { try await controller.workItem("client-token")?.state == .done }
        #expect(done)
        let ids = try #require(try await probe.secret("\(prefix)-consul-client"))
        let me = try await probe.tokenSelf(secret: ids.token)
        #expect(me.accessorID == ids.accessorID)
        #expect(me.policies.compactMap(\.name) == ["\(prefix)-consul-client-policy"])
        let policy = try #require(try await probe.consul.policy(named: "\(prefix)-consul-client-policy", logger: probe.logger))
        #expect(policy.rules.contains(#"node_prefix "" { policy = "write" }"#))
        await controller.stop()
    }
}
