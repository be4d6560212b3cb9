import Logging
import MeshTestSupport
import PostgresLeaderElection
import PostgresNIO
import Testing

/// The replicas' shared heartbeat sightings on the stack's real PostgreSQL, each test in a fresh schema.
@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresHeartbeatSightingsTests {
    /// A task heard by any replica within the window is not silent, whichever replica heard it; a
    /// task no replica heard within the window is.
    @Test func silentTasks_whenHeardOnAnotherReplica_isNotSilent() async throws {
        try await PostgresTestDatabase.withStore { (_: PostgresLeaseStore, client: PostgresClient) async throws in
            let sightings = PostgresHeartbeatSightings(client: client, logger: Logger(label: "sightings-test"))
            try await sightings.prepare()
            try await sightings.prepare()  // idempotent
            // Given: a and b heard by replica r1 a minute ago, b heard by r2 now, c only now
            try await sightings.record(taskArns: ["task/a", "task/b"], replicaID: "r1")
            try await client.query("UPDATE mesh_heartbeat_seen SET seen_at = now() - interval '60 seconds'")
            try await sightings.record(taskArns: ["task/b"], replicaID: "r2")
            try await sightings.record(taskArns: ["task/c"], replicaID: "r1")
            // Then: only a is silent for 30 s; nothing is silent for 120 s
            #expect(try await sightings.silentTasks(forSeconds: 30, limit: 100) == ["task/a"])
            #expect(try await sightings.silentTasks(forSeconds: 120, limit: 100) == [])
        }
    }

    /// Forgetting drops only rows still silent: a sighting written after the sweep read survives,
    /// and an empty list writes nothing.
    @Test func forget_whenRefreshedMeanwhile_keepsFreshRows() async throws {
        try await PostgresTestDatabase.withStore { (_: PostgresLeaseStore, client: PostgresClient) async throws in
            let sightings = PostgresHeartbeatSightings(client: client, logger: Logger(label: "sightings-test"))
            try await sightings.prepare()
            try await sightings.record(taskArns: ["task/a", "task/b"], replicaID: "r1")
            try await client.query("UPDATE mesh_heartbeat_seen SET seen_at = now() - interval '60 seconds'")
            #expect(try await sightings.silentTasks(forSeconds: 30, limit: 100) == ["task/a", "task/b"])
            // When: b is heard again before the sweep forgets both
            try await sightings.record(taskArns: ["task/b"], replicaID: "r1")
            try await sightings.forget(taskArns: ["task/a", "task/b"], silentForSeconds: 30)
            try await sightings.forget(taskArns: [], silentForSeconds: 30)
            // Then: a is gone, b stays (and is not silent)
            var rows: [String] = []
            for try await arn in try await client.query("SELECT task_arn FROM mesh_heartbeat_seen ORDER BY task_arn")
                .decode(String.self) { rows.append(arn) }
            #expect(rows == ["task/b"])
            #expect(try await sightings.silentTasks(forSeconds: 30, limit: 100) == [])
        }
    }

    /// One write records thousands of tasks (the flush of a busy replica), and the limit bounds a sweep.
    @Test func record_whenManyTasks_oneStatementAndLimitedSweep() async throws {
        try await PostgresTestDatabase.withStore { (_: PostgresLeaseStore, client: PostgresClient) async throws in
            let sightings = PostgresHeartbeatSightings(client: client, logger: Logger(label: "sightings-test"))
            try await sightings.prepare()
            let arns = (0..<5000).map { "task/\($0)" }
            try await sightings.record(taskArns: arns, replicaID: "r1")
            try await sightings.record(taskArns: arns, replicaID: "r1")  // upsert: same rows
            var count = 0
            for try await n in try await client.query("SELECT count(*)::int8 FROM mesh_heartbeat_seen").decode(Int64.self) {
                count = Int(n)
            }
            #expect(count == 5000)
            try await client.query("UPDATE mesh_heartbeat_seen SET seen_at = now() - interval '60 seconds'")
            #expect(try await sightings.silentTasks(forSeconds: 30, limit: 10).count == 10)
        }
    }
}
