import Controller
import LeaderElection
import Logging
import MeshTestSupport
import ServiceLifecycle
import Testing

@Suite(.enabled(if: PostgresTestSchema.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct ReplicatedLeadershipTests {
    /// Two replicas on one real database: exactly one leads, and both report the same leader,
    /// epoch and replicas in `/v1/status`'s cluster view.
    @Test(.timeLimit(.minutes(2)))
    func run_whenTwoReplicasShareDatabase_exactlyOneLeadsAndBothAgree() async throws {
        // Given
        let database = try await PostgresTestSchema.make()
        var ha = MeshConfiguration.HA()
        ha.leaseSeconds = 6
        ha.renewSeconds = 2
        let replicas = try ["r1", "r2"].map { id in
            ha.replicaId = id
            return try ReplicatedLeadership(configuration: ha, clientConfiguration: database,
                                            adminAddress: "127.0.0.1:\(id == "r1" ? 1 : 2)", observer: nil,
                                            logger: Logger(label: id))
        }
        let groups = replicas.map {
            ServiceGroup(services: [$0.client, $0.elector], logger: Logger(label: "group"))
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for group in groups { tasks.addTask { try await group.run() } }
            // When: both have seen a leader and listed both replicas (waiting for exactly what is
            // asserted: on a loaded machine a lease can lapse between two looks)
            var views: [ClusterView.Status] = []
            let settled = await eventually(timeout: .seconds(60)) {
                views = await [replicas[0].cluster.status(), replicas[1].cluster.status()]
                return views.allSatisfy { $0.leaderId != nil && $0.replicas.count == 2 }
                    && views.filter { $0.role == .leader }.count == 1
                    && Set(views.map(\.leaderId)).count == 1 && Set(views.map(\.epoch)).count == 1
            }
            // Then
            #expect(settled)
            #expect(views.filter { $0.role == .leader }.count == 1)
            #expect(Set(views.map(\.leaderId)).count == 1 && Set(views.map(\.epoch)).count == 1)
            #expect(views[0].replicas.map(\.replicaId) == ["r1", "r2"])
            for group in groups { await group.triggerGracefulShutdown() }
            try await tasks.waitForAll()
        }
    }
}
