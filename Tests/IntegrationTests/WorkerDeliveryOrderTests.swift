import Consul
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

/// At-least-once, out-of-order delivery: any order with any duplicates ends in the same catalog.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct WorkerDeliveryOrderTests {
    /// Tasks whose events arrive in order and tasks whose events arrive shuffled, duplicated and in
    /// small batches end in the same state: draining tasks registered with critical checks, stopped
    /// tasks gone, running tasks passing.
    @Test(.timeLimit(.minutes(3)))
    func delivery_whenShuffledAndDuplicated_endsInSameStateAsInOrder() async throws {
        // Given two identical services in moto: one gets its events in order, the other shuffled
        let sfx = uniqueSuffix()
        let (ordered, shuffled) = ("ord-\(sfx)", "shuf-\(sfx)")
        let tags = ["consul.hashicorp.com/mesh": "true"]
        let moto = try await MotoECSFixture.run(cluster: "order-\(sfx)", services: [
            .init(family: ordered, ports: [8080], count: 6, tags: tags),
            .init(family: shuffled, ports: [8080], count: 6, tags: tags),
        ])
        let controller = try await InProcessController(secretsPrefix: "order-\(sfx)")
        let probe = try MeshWorldProbe()
        let cluster = moto.clusterArn
        /// Task i ends RUNNING (i % 3 == 0), draining (1) or STOPPED (2).
        func events(_ task: MotoECSFixture.MotoTask, _ i: Int) -> [[String: Any]] {
            Array(MeshEventBuilder.lifecycle(task, clusterArn: cluster).prefix(3 + i % 3))
        }

        // When the first service's events are posted in order, one by one
        for (i, task) in moto.tasks(of: ordered).enumerated() {
            for event in events(task, i) { await controller.post([event]) }
        }
        // and the second's are shuffled, each sent twice, in batches of up to three
        var deliveries: [[String: Any]] = []
        for (i, task) in moto.tasks(of: shuffled).enumerated() {
            deliveries += events(task, i) + events(task, i)
        }
        deliveries.shuffle()
        var start = 0
        while start < deliveries.count {
            let end = min(deliveries.count, start + Int.random(in: 1...3))
            let status = await controller.post(Array(deliveries[start..<end]))
            #expect(status == 202 || status == 200)
            start = end
        }

        // Then both services converge to the same shape: 2 passing, 2 draining, 2 gone
        for service in [ordered, shuffled] {
            let converged = await eventually {
                let all = try await probe.instances(service)
                let passing = all.filter { $0.aggregatedStatus == .passing }.count
                let critical = all.filter { $0.aggregatedStatus == .critical }.count
                return all.count == 4 && passing == 2 && critical == 2
            }
            #expect(converged, "\(service): 2 passing + 2 critical instances")
        }
        let settled = await eventually { try await controller.unfinishedWork().isEmpty }
        #expect(settled)
        // And instance by instance: the same task index has the same status in both services
        for (i, (a, b)) in zip(moto.tasks(of: ordered), moto.tasks(of: shuffled)).enumerated() {
            let statusA = try await probe.instances(ordered).first { $0.service.meta["task-arn"] == a.taskArn }?.aggregatedStatus
            let statusB = try await probe.instances(shuffled).first { $0.service.meta["task-arn"] == b.taskArn }?.aggregatedStatus
            #expect(statusA == statusB, "task \(i): \(String(describing: statusA)) vs \(String(describing: statusB))")
            #expect(try await controller.journal.task(arn: b.taskArn)?.version == Int64(3 + i % 3))
        }
        #expect(try await probe.serviceTokens(clusterArn: cluster).count == 2)
        await controller.stop()
    }
}
