import LeaderElection
import Logging
import MeshTestSupport
import PostgresLeaderElection
import PostgresNIO
import ServiceLifecycle
import Testing

@Suite(.enabled(if: PostgresTestDatabase.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct LeaderElectorTests {
    /// Renewals are bounded by the interval: 2 s leaves a loaded machine's database time to answer.
    private static let lease = Duration.seconds(6)
    private static let renew = Duration.seconds(2)

    private static func elector(_ id: String, _ store: PostgresLeaseStore,
                                clock: LeaseClock = LeaseClock()) throws -> LeaderElector {
        LeaderElector(configuration: try LeaseConfiguration(replicaID: id, leaseDuration: lease, renewInterval: renew),
                      store: store, address: "127.0.0.1:0", clock: clock, logger: Logger(label: "elector-\(id)"))
    }

    /// Two replicas: exactly one leads; when it stops gracefully it releases the lease and the other
    /// leads at once, in the next epoch.
    @Test func run_whenLeaderStopsGracefully_otherLeadsInNextEpoch() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            // Given: a starts first and leads
            let a = try Self.elector("a", store)
            let b = try Self.elector("b", store)
            let groupA = ServiceGroup(services: [a], logger: Logger(label: "a"))
            let groupB = ServiceGroup(services: [b], logger: Logger(label: "b"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await groupA.run() }
                try #require(await eventually(timeout: .seconds(30)) { a.leadership.isLeading })
                tasks.addTask { try await groupB.run() }
                try #require(await eventually(timeout: .seconds(30)) { b.leadership.snapshot.leaderID == "a" })
                #expect(!b.leadership.isLeading)
                #expect(a.leadership.snapshot.epoch == 1)
                // When: a stops gracefully
                await groupA.triggerGracefulShutdown()
                // Then: b leads in epoch 2, well before a's lease would have expired on its own
                try #require(await eventually(timeout: .seconds(30)) { b.leadership.isLeading })
                #expect(b.leadership.snapshot.epoch == 2)
                #expect(!a.leadership.isLeading)
                let current = try await store.current()
                #expect(current?.replicaID == "b" && current?.epoch == 2)
                await groupB.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// A leader that stops renewing (paused) is replaced once its lease expires; the epoch fence
    /// refuses it even while its own clock still believes the lease runs; once it resumes past
    /// its deadline it refuses every effect at once and reports follower.
    @Test func run_whenLeaderPausedPastLease_isReplacedFencedAndStepsDownOnResume() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            // Given: a leads on a clock that stands still (it renews once, then never again)
            let manual = ManualClock()
            let a = try Self.elector("a", store, clock: LeaseClock(manual))
            let b = try Self.elector("b", store)
            let groupA = ServiceGroup(services: [a], logger: Logger(label: "a"))
            let groupB = ServiceGroup(services: [b], logger: Logger(label: "b"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await groupA.run() }
                try #require(await eventually(timeout: .seconds(30)) { a.leadership.isLeading })
                let pausedEpoch = try a.leadership.ensureLeading()
                // When: b runs; a's lease expires on the server while a is "paused"
                tasks.addTask { try await groupB.run() }
                try #require(await eventually(timeout: .seconds(30)) { b.leadership.isLeading })
                // Then: b leads in the next term, and the epoch check fences a although a's
                // local deadline has not passed on its stopped clock
                let newEpoch = try b.leadership.ensureLeading()
                #expect(newEpoch == pausedEpoch + 1)
                await #expect(throws: LeadershipError.self) { try await a.leadership.confirmLeading() }
                // When: a resumes far past its deadline
                manual.advance(by: .seconds(30))
                // Then: its local check refuses at once (deadline passed, or already stepped down),
                // and it reports follower with b as leader
                #expect(throws: LeadershipError.self) { try a.leadership.ensureLeading() }
                try #require(await eventually(timeout: .seconds(30)) {
                    let view = a.leadership.snapshot
                    return view.role == .follower && view.leaderID == "b"
                })
                #expect(!a.leadership.isLeading && b.leadership.isLeading)
                await groupA.triggerGracefulShutdown()
                await groupB.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// A process restarted with the same replica ID (`ha.replicaId` fixed) while the old one still
    /// holds the lease (hung, not dead) is a new holder: it does not renew the old term but takes
    /// the next epoch once that lease ends, and the old process's epoch check fails.
    @Test func run_whenRestartedWithSameReplicaID_leadsInNextEpochAndFencesOldProcess() async throws {
        try await PostgresTestDatabase.withStore { (store: PostgresLeaseStore, _: PostgresClient) async throws in
            // Given: the old process of "a" leads on a clock that stands still (it renews once, then hangs)
            let old = try Self.elector("a", store, clock: LeaseClock(ManualClock()))
            let restarted = try Self.elector("a", store)
            let groupOld = ServiceGroup(services: [old], logger: Logger(label: "a-old"))
            let groupNew = ServiceGroup(services: [restarted], logger: Logger(label: "a-new"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await groupOld.run() }
                try #require(await eventually(timeout: .seconds(30)) { old.leadership.isLeading })
                let oldEpoch = try old.leadership.ensureLeading()
                // When: the restarted process runs with the same replica ID
                tasks.addTask { try await groupNew.run() }
                // Then: it leads only in the next term (renewing the old one would share its epoch)
                try #require(await eventually(timeout: .seconds(30)) { restarted.leadership.isLeading })
                #expect(try restarted.leadership.ensureLeading() == oldEpoch + 1)
                await #expect(throws: LeadershipError.self) { try await old.leadership.confirmLeading() }
                // and the status names the replica as configured
                #expect(restarted.leadership.snapshot.leaderID == "a" && restarted.leadership.snapshot.replicaID == "a")
                #expect(try await store.current()?.replicaID == "a")
                await groupOld.triggerGracefulShutdown()
                await groupNew.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}

@Suite struct LeadershipGuardTests {
    /// The guard refuses by itself once its monotonic deadline passes, before any elector notices
    /// (a process resumed after a pause checks before it acts).
    @Test func ensureLeading_whenClockPassesDeadline_refusesWithoutElector() throws {
        // Given: leading in epoch 4, deadline 9 s (10 s lease − 1 s margin, sent at 0)
        let manual = ManualClock()
        let guardian = LeadershipGuard(replicaID: "a", clock: LeaseClock(manual), store: nil)
        let configuration = try LeaseConfiguration(replicaID: "a")
        var lease = LeaseState(configuration: configuration)
        _ = lease.renewalAnswered(LeaseRecord(holder: configuration.holderID, epoch: 4), sentAt: .zero, now: .zero)
        guardian.update(lease)
        manual.advance(by: .milliseconds(8999))
        #expect(try guardian.ensureLeading() == 4)
        // When
        manual.advance(by: .milliseconds(1))
        // Then
        #expect(throws: LeadershipError(.deadlinePassed, epoch: 4)) { try guardian.ensureLeading() }
        #expect(!guardian.isLeading)
        #expect(guardian.snapshot.role == .leader)  // nobody told it yet; it refuses anyway
    }

    /// The single-process controller always leads, in epoch 1, and confirms without a store.
    @Test func standalone_alwaysLeadsInEpochOne() async throws {
        let guardian = LeadershipGuard.standalone(replicaID: "solo")
        #expect(try guardian.ensureLeading() == 1)
        #expect(try await guardian.confirmLeading() == 1)
        #expect(guardian.snapshot.role == .leader && guardian.snapshot.leaderID == "solo")
    }
}
