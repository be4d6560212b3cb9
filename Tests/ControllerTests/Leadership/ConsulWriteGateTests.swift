import AsyncHTTPClient
import Consul
import LeaderElection
import Testing
@testable import Controller

/// The workers' Consul client asks the lease before every write (``ConsulClient/writeGate``).
@Suite struct ConsulWriteGateTests {
    private static func consul() throws -> ConsulClient {
        try ConsulClient(httpClient: .shared, configuration: ConsulConfiguration(environment: ["CONSUL_HTTP_ADDR": "127.0.0.1:8500"]))
    }

    /// A replica that follows (or whose lease ran out) has every write refused; a leader's pass;
    /// without leadership (tests) there is no gate.
    @Test func fenced_whenReplicaFollowsOrLeads_gatesWritesOnTheLease() throws {
        // Given
        let follower = LeadershipGuard(replicaID: "me", clock: LeaseClock(), store: nil)
        let leader = LeadershipGuard.standalone(replicaID: "me")

        // When
        let followerGate = try #require(ControllerWorkers.fenced(try Self.consul(), follower).writeGate)
        let leaderGate = try #require(ControllerWorkers.fenced(try Self.consul(), leader).writeGate)
        let ungated = ControllerWorkers.fenced(try Self.consul(), nil).writeGate

        // Then
        #expect(throws: LeadershipError(.notLeader)) { try followerGate() }
        #expect(throws: Never.self) { try leaderGate() }
        #expect(ungated == nil)
    }
}
