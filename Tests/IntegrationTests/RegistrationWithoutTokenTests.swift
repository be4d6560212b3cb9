import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// Issue #16: token provisioning stays off the registration path. The controller registers
/// instances with its own token, so a task of a new service is in the Consul catalog while its
/// service's token worker cannot even reach Secrets Manager.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct RegistrationWithoutTokenTests {
    /// With every Secrets Manager call failing (500 through the fault proxy, ECS untouched), a new
    /// service's task is registered in Consul, while its service key keeps failing and no secret
    /// or Consul token for it exists.
    @Test(.timeLimit(.minutes(3)))
    func register_whenTokenWorkerCannotReachSecretsManager_taskIsRegisteredAnyway() async throws {
        // Given a new mesh service in moto and a controller whose AWS calls pass through the proxy,
        // which fails every Secrets Manager call for the whole test
        let environment = ProcessInfo.processInfo.environment
        let proxy = try await FaultProxy.start(upstream: environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:15000")
        defer { proxy.stop() }
        let sfx = uniqueSuffix()
        let name = "nt\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "notoken-\(sfx)", services: [
            .init(family: name, ports: [8080], count: 1, tags: ["consul.hashicorp.com/mesh": "true"]),
        ])
        try await proxy.set([FaultProxy.Rule(target: .secretsManager, fault: .status500)])
        let controller = try await InProcessController(secretsPrefix: "nt-\(sfx)") { $0.aws.endpointURL = proxy.url }
        let probe = try MeshWorldProbe()
        let task = try #require(moto.tasks.first)
        let serviceKey = WorkKey.service(name: name).rawValue

        // When the task starts
        let events = MeshEventBuilder.lifecycle(task, clusterArn: moto.clusterArn)
        #expect(await controller.post(Array(events.prefix(3))) == 202)

        // Then its instance (and sidecar) is registered in Consul
        let registered = await eventually(timeout: .seconds(90)) {
            try await probe.ourServices(clusterArn: moto.clusterArn, service: name).count == 2
        }
        let work = try await controller.unfinishedWork().map { "\($0.key) \($0.lastError ?? "")" }
        #expect(registered, "work: \(work)")
        // while the token worker has not got past Secrets Manager: the secret was never written,
        // Consul holds no token for the service, and its key has failed and is not done
        let tokenKeyFailed = await eventually(timeout: .seconds(60)) {
            let item = try await controller.workItem(serviceKey)
            return item.map { $0.attempts > 0 && $0.lastError != nil } ?? false
        }
        #expect(tokenKeyFailed)
        #expect(try await proxy.injected(.status500, target: .secretsManager) > 0)
        #expect(try await !probe.secretExists("nt-\(sfx)-\(name)"))
        #expect(try await probe.serviceTokens(clusterArn: moto.clusterArn).isEmpty)
        #expect(try await controller.workItem(serviceKey)?.state != .done)
        await controller.stop()
    }
}
