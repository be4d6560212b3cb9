import LeaderElection
import MeshTestSupport
import PostgresLeaderElection
import PostgresNIO
import Testing

@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresLeaseStoreTests {
    /// The first candidate takes the lease in epoch 1; the holder renews in the same epoch; another
    /// candidate is told who holds it.
    @Test func acquireOrRenew_whenFreeThenHeld_grantsFirstAndNamesHolderToOthers() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            #expect(try await store.current() == nil)
            #expect(try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(30))
                    == LeaseRecord(holder: "a", epoch: 1))
            #expect(try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(30))
                    == LeaseRecord(holder: "a", epoch: 1))
            #expect(try await store.acquireOrRenew(holder: "b", leaseDuration: .seconds(30))
                    == LeaseRecord(holder: "a", epoch: 1))
            #expect(try await store.current() == LeaseRecord(holder: "a", epoch: 1))
        }
    }

    /// Once the lease expires (by the server's clock) another candidate takes it in the next epoch,
    /// and the old holder is told so.
    @Test func acquireOrRenew_whenExpired_newHolderGetsNextEpoch() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            // Given: a holds a 200 ms lease
            _ = try await store.acquireOrRenew(holder: "a", leaseDuration: .milliseconds(200))
            // When: b keeps trying until the lease has expired
            var answer = LeaseRecord(holder: "", epoch: 0)
            let taken = await eventually(timeout: .seconds(30)) {
                answer = try await store.acquireOrRenew(holder: "b", leaseDuration: .seconds(30))
                return answer.holder == "b"
            }
            // Then
            #expect(taken && answer == LeaseRecord(holder: "b", epoch: 2))
            #expect(try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(30))
                    == LeaseRecord(holder: "b", epoch: 2))
        }
    }

    /// A holder that comes back after its lease expired starts a new term: its old epoch is over.
    @Test func acquireOrRenew_whenOwnLeaseExpired_reacquiresInNextEpoch() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, client: PostgresClient) async throws in
            _ = try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(30))
            try await client.query("UPDATE mesh_leader_lease SET expires_at = now() - interval '1 second'")
            #expect(try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(30))
                    == LeaseRecord(holder: "a", epoch: 2))
        }
    }

    /// A released lease is free at once for the next candidate; a stale release changes nothing.
    @Test func release_whenHolderReleases_nextCandidateTakesOverWithoutWaiting() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            _ = try await store.acquireOrRenew(holder: "a", leaseDuration: .seconds(60))
            try await store.release(holder: "a", epoch: 7)  // not its epoch: ignored
            #expect(try await store.acquireOrRenew(holder: "b", leaseDuration: .seconds(60)).holder == "a")
            try await store.release(holder: "a", epoch: 1)
            #expect(try await store.acquireOrRenew(holder: "b", leaseDuration: .seconds(60))
                    == LeaseRecord(holder: "b", epoch: 2))
        }
    }

    /// Many candidates at once: exactly one wins, and all of them are told the same holder and epoch.
    @Test func acquireOrRenew_whenCandidatesRace_exactlyOneWinsAndAllAgree() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            let answers = try await withThrowingTaskGroup(of: LeaseRecord.self) { group in
                for index in 0..<8 {
                    group.addTask { try await store.acquireOrRenew(holder: "r\(index)", leaseDuration: .seconds(60)) }
                }
                return try await group.reduce(into: [LeaseRecord]()) { $0.append($1) }
            }
            #expect(Set(answers).count == 1)
            #expect(answers.first?.epoch == 1)
        }
    }

    /// Replicas are listed with their role and address while they keep reporting.
    @Test func replicas_whenRecorded_areListedWithRoleAndAddress() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            try await store.recordReplica(ReplicaRecord(replicaID: "b", address: "10.0.0.2:8081", role: .follower))
            try await store.recordReplica(ReplicaRecord(replicaID: "a", address: nil, role: .follower))
            try await store.recordReplica(ReplicaRecord(replicaID: "a", address: "10.0.0.1:8081", role: .leader))
            let replicas = try await store.replicas(seenWithin: .seconds(60))
            #expect(replicas.map(\.replicaID) == ["a", "b"])
            #expect(replicas.map(\.role) == [.leader, .follower])
            #expect(replicas.first?.address == "10.0.0.1:8081" && replicas.allSatisfy { $0.seenAt != nil })
        }
    }
}
