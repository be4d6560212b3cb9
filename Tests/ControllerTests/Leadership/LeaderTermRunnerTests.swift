import Controller
import LeaderElection
import Logging
import MeshTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct LeaderTermRunnerTests {
    /// Records when a term's service started and stopped, and in which epoch.
    final class TermProbe: Sendable {
        let events = Mutex<[String]>([])
        var log: [String] { events.withLock { $0 } }
        func service(epoch: Int64) -> some Service { Probe(epoch: epoch, probe: self) }

        struct Probe: Service {
            let epoch: Int64
            let probe: TermProbe
            func run() async throws {
                probe.events.withLock { $0.append("start \(epoch)") }
                try? await gracefulShutdown()
                probe.events.withLock { $0.append("stop \(epoch)") }
            }
        }
    }

    /// This process in the lease row: replica "me", instance …01.
    private static let me = LeaseHolder.id(replicaID: "me", instanceID: "0000000000000001")

    private static func lease() throws -> LeaseState {
        LeaseState(configuration: try LeaseConfiguration(replicaID: "me", instanceID: "0000000000000001"))
    }

    /// A follower runs no leader work; each term it is granted starts the services, and each end of
    /// a term stops them gracefully before anything else starts.
    @Test func run_whenTermsBeginAndEnd_startsAndStopsLeaderServicesPerTerm() async throws {
        // Given: a follower's guard and a runner
        let guardian = LeadershipGuard(replicaID: "me", clock: LeaseClock(), store: nil)
        let probe = TermProbe()
        let runner = LeaderTermRunner(leadership: guardian, logger: Logger(label: "runner")) { epoch in
            [.init(service: probe.service(epoch: epoch))]
        }
        let group = ServiceGroup(services: [runner], logger: Logger(label: "group"))
        let run = Task { try await group.run() }
        var lease = try Self.lease()

        // When: granted epoch 1
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.me, epoch: 1), sentAt: .seconds(1_000_000), now: .seconds(1_000_000))
        guardian.update(lease)
        // Then
        #expect(await eventually(timeout: .seconds(30)) { probe.log == ["start 1"] })

        // When: superseded, then granted epoch 3
        _ = lease.renewalAnswered(LeaseRecord(holder: "other", epoch: 2), sentAt: .seconds(1_000_001), now: .seconds(1_000_001))
        guardian.update(lease)
        #expect(await eventually(timeout: .seconds(30)) { probe.log == ["start 1", "stop 1"] })
        _ = lease.renewalAnswered(LeaseRecord(holder: Self.me, epoch: 3), sentAt: .seconds(1_000_002), now: .seconds(1_000_002))
        guardian.update(lease)
        #expect(await eventually(timeout: .seconds(30)) { probe.log == ["start 1", "stop 1", "start 3"] })

        // When: the process shuts down
        await group.triggerGracefulShutdown()
        try await run.value
        // Then: the term stopped with it
        #expect(probe.log == ["start 1", "stop 1", "start 3", "stop 3"])
    }

    /// The single process leads from the start, in epoch 1, until it shuts down.
    @Test func run_whenStandalone_runsOneTermInEpochOneUntilShutdown() async throws {
        let probe = TermProbe()
        let runner = LeaderTermRunner(leadership: .standalone(replicaID: "solo"), logger: Logger(label: "runner")) { epoch in
            [.init(service: probe.service(epoch: epoch))]
        }
        let group = ServiceGroup(services: [runner], logger: Logger(label: "group"))
        let run = Task { try await group.run() }
        #expect(await eventually(timeout: .seconds(30)) { probe.log == ["start 1"] })
        await group.triggerGracefulShutdown()
        try await run.value
        #expect(probe.log == ["start 1", "stop 1"])
    }
}
