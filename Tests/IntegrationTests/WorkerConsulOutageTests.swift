import Consul
import ErrorClassification
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// Consul going away during a burst of events, and coming back.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct WorkerConsulOutageTests {
    /// Consul is stopped, a burst of events arrives (all acknowledged), failed attempts pile up and
    /// are visible per key; Consul restarts and everything converges with nothing lost.
    @Test(.timeLimit(.minutes(4)))
    func consulOutage_duringBurst_failuresVisibleThenConverges() async throws {
        // Given our own Consul server, four services with five tasks each, and two services' tokens made
        let agent = try await LocalConsulAgent.started()
        defer { agent.destroy() }
        let sfx = uniqueSuffix()
        let names = (0..<4).map { "out\($0)-\(sfx)" }
        let moto = try await MotoECSFixture.run(cluster: "outage-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 5, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let controller = try await InProcessController(
            secretsPrefix: "out-\(sfx)", consulAddress: agent.address, consulToken: agent.masterToken
        )
        let probe = try MeshWorldProbe(consulAddress: agent.address, consulToken: agent.masterToken)
        let cluster = moto.clusterArn
        for name in names.prefix(2) {
            await controller.post([MeshEventBuilder.lifecycle(moto.tasks(of: name)[0], clusterArn: cluster)[0]])
        }
        let warm = await eventually { try await probe.serviceTokens(clusterArn: cluster).count == 2 }
        #expect(warm)

        // When Consul stops and the burst arrives: every task to RUNNING, and the last task of each
        // service through to STOPPED
        agent.stop()
        var statuses: [Int] = []
        for name in names {
            for (i, task) in moto.tasks(of: name).enumerated() {
                let lifecycle = MeshEventBuilder.lifecycle(task, clusterArn: cluster)
                statuses.append(await controller.post(Array(lifecycle.prefix(i == 4 ? 5 : 3))))
            }
        }
        #expect(statuses.allSatisfy { $0 == 202 }, "every event is acknowledged while Consul is down: \(statuses)")

        // Then failed attempts are visible per key while Consul is down
        let failing = await eventually {
            let items = try await controller.unfinishedWork()
            let tasksFailing = items.filter { $0.key.hasPrefix("task:") && $0.attempts > 0 && $0.lastError != nil }
            let servicesFailing = items.filter { $0.key.hasPrefix("service:") && $0.attempts > 0 }
            return tasksFailing.count >= 10 && servicesFailing.count >= 2
        }
        let unfinished = try await controller.unfinishedWork()
        #expect(failing, "work items should show failed attempts: \(unfinished.prefix(3))")
        let sample = try #require(try await controller.unfinishedWork().first { $0.key.hasPrefix("task:") && $0.lastError != nil })
        #expect(sample.lastError?.contains("consulCatalog") == true, "lastError: \(sample.lastError ?? "")")
        #expect(sample.state == .pending || sample.state == .running, "retrying, not parked: \(sample.state)")
        #expect(sample.lastErrorClass == .transient, "Consul down is transient: \(String(describing: sample.lastErrorClass))")

        // When Consul comes back with its data
        try await agent.start()

        // Then every service converges: four running tasks passing, the stopped one gone, one token each
        for name in names {
            let converged = await eventually(timeout: .seconds(60)) {
                let all = try await probe.instances(name)
                return all.count == 4 && all.allSatisfy { $0.aggregatedStatus == .passing }
            }
            #expect(converged, "\(name): 4 passing instances")
        }
        let tokens = await eventually { try await probe.serviceTokens(clusterArn: cluster).count == 4 }
        #expect(tokens)
        let settled = await eventually(timeout: .seconds(60)) { try await controller.unfinishedWork().isEmpty }
        let left = try await controller.unfinishedWork().map(\.key)
        #expect(settled, "work left: \(left)")
        for task in moto.tasks {
            #expect(try await controller.journal.task(arn: task.taskArn) != nil, "journal lost \(task.taskArn)")
        }
        for name in names {
            let ids = try #require(try await probe.secret("out-\(sfx)-\(name)"))
            let me = try await probe.consul.with(token: ConsulToken(ids.token)).tokenSelf(logger: probe.logger)
            #expect(me.serviceIdentities.map(\.serviceName) == [name])
        }
        await controller.stop()
    }
}
