import Foundation
import HTTPServer
import Journal
import Logging
import MeshModel
import Synchronization
import Testing
@testable import Controller

/// The heartbeat path when several replicas share one journal: transitions other replicas journaled
/// are adopted, the tasks heard are flushed for the others, and the leader expires only tasks no
/// replica heard. Two replicas are two trackers over one in-memory journal.
struct HeartbeatReplicaTests {
    /// One replica's heartbeat path over the shared journal.
    struct Replica {
        let tracker: HeartbeatTracker
        let recorder: HeartbeatRecorder
        let handler: HeartbeatHandler
        let components: (expiry: HeartbeatExpiry, flusher: HeartbeatSightingFlusher)

        init(journal: EventJournal, sightings: MemorySightings, id: String, clock: ManualClock) async throws {
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            tracker = HeartbeatTracker(collectsSightings: true, now: { clock.now })
            let authority = HeartbeatAuthority(journal: journal)
            try await authority.preload()
            recorder = HeartbeatRecorder(journal: journal, tracker: tracker, scheduler: nil, logger: logger)
            handler = HeartbeatHandler(authority: authority, recorder: recorder, logger: logger)
            let expiry = HeartbeatExpiry(ttl: .seconds(15), journal: journal, tracker: tracker, authority: authority,
                                         recorder: recorder, sightings: sightings, logger: logger)
            components = (expiry, HeartbeatSightingFlusher(tracker: tracker, store: sightings, replicaID: id,
                                                           expiry: expiry, logger: logger))
        }

        func post(_ h: HeartbeatHandlerTests.Harness, health: String) async -> Int {
            var headers = HTTPHeaders()
            headers.add(name: "X-Consul-Token", value: HeartbeatHandlerTests.webToken)
            headers.add(name: "Content-Type", value: "application/json")
            let body = h.heartbeat(health: health)
            return await handler.handle(HTTPRequest(method: .post, path: "/v1/heartbeats", headers: headers,
                                                    body: Array(body.utf8))).status
        }
    }

    /// A harness (its journal, task and tokens) and two replicas over its journal, sharing `sightings`.
    private func twoReplicas(_ first: String, _ second: String, sightings: MemorySightings)
        async throws -> (HeartbeatHandlerTests.Harness, Replica, Replica) {
        let h = try await HeartbeatHandlerTests.Harness()
        return (h, try await Replica(journal: h.journal, sightings: sightings, id: first, clock: h.clock),
                try await Replica(journal: h.journal, sightings: sightings, id: second, clock: h.clock))
    }

    /// A heartbeat that lands on a replica whose idea of the task is stale still journals the
    /// change: the journal refuses the stale revision, the replica adopts the journal's, and judges
    /// the heartbeat again.
    @Test func observe_whenAnotherReplicaJournaledFirst_adoptsAndJournalsTheChange() async throws {
        let sightings = MemorySightings()
        let (h, a, b) = try await twoReplicas("a", "b", sightings: sightings)
        // Given: a journaled HEALTHY (revision 1)
        #expect(await a.post(h, health: "HEALTHY") == 200)
        // When: b, which never heard the task, gets UNHEALTHY (its own revision 1 loses to a's)
        #expect(await b.post(h, health: "UNHEALTHY") == 200)
        // Then: the journal holds b's change at revision 2
        let record = try #require(try await h.journal.taskHealth(arn: h.webTask))
        #expect(record.revision == 2)
        #expect(record.health.containers["app"] == .unhealthy)
    }

    /// A transition journaled by another replica reaches this one through the work signal, so a
    /// heartbeat that matches what this replica once knew is still judged against the journal.
    @Test func relay_whenAnotherReplicaExpiredTask_nextHeartbeatHereRevivesIt() async throws {
        let sightings = MemorySightings()
        let (h, a, b) = try await twoReplicas("a", "b", sightings: sightings)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        // Given: b heard the task HEALTHY, then a (the leader) expired it from the shared sightings
        #expect(await b.post(h, health: "HEALTHY") == 200)
        await b.components.flusher.flush()
        sightings.age(by: 60)
        await a.components.expiry.sweep()
        #expect(try await h.journal.taskHealth(arn: h.webTask)?.health.phase == .expired)
        // When: b learns of it through the signal of the task's key, then hears HEALTHY again
        let relayB = WorkSignalRelay(signals: AsyncStream { $0.finish() }, scheduler: nil,
                                     heartbeats: b.recorder,
                                     logger: logger)
        await relayB.relay([WorkKey.task(arn: h.webTask).rawValue])
        #expect(await b.post(h, health: "HEALTHY") == 200)
        // Then: reporting again, at the revision after the expiry
        let record = try #require(try await h.journal.taskHealth(arn: h.webTask))
        #expect(record.health.phase == .reporting)
        #expect(record.revision == 3)
    }

    /// The leader does not expire a task another replica still hears, and expires it once no
    /// replica has heard it for the TTL; the handled sighting is forgotten.
    @Test func sweep_whenHeardOnlyByAnotherReplica_expiresOnlyWhenAllSilent() async throws {
        let sightings = MemorySightings()
        let (h, leader, other) = try await twoReplicas("leader", "other", sightings: sightings)
        // Given: only the other replica hears the task, for longer than the TTL on the leader's clock
        #expect(await other.post(h, health: "HEALTHY") == 200)
        await other.components.flusher.flush()
        h.clock.advance(.seconds(60))
        // When / Then: still heard within the TTL by the shared clock: nothing expires
        await leader.components.expiry.sweep()
        #expect(try await h.journal.taskHealth(arn: h.webTask)?.health.phase == .reporting)
        // When / Then: silent everywhere past the TTL: expired once, its sighting forgotten
        sightings.age(by: 16)
        await leader.components.expiry.sweep()
        let record = try #require(try await h.journal.taskHealth(arn: h.webTask))
        #expect(record.health.phase == .expired)
        #expect(record.revision == 2)
        #expect(sightings.rows.isEmpty)
    }

    /// Each flush writes the tasks heard since the previous one, once, and nothing when none was
    /// heard; a failed flush keeps its tasks for the next.
    @Test func flush_whenHeardTwiceThenFailing_writesOnceAndRetries() async throws {
        let h = try await HeartbeatHandlerTests.Harness()
        let sightings = MemorySightings()
        let replica = try await Replica(journal: h.journal, sightings: sightings, id: "r", clock: h.clock)
        #expect(await replica.post(h, health: "HEALTHY") == 200)
        #expect(await replica.post(h, health: "HEALTHY") == 200)
        await replica.components.flusher.flush()
        await replica.components.flusher.flush()
        #expect(sightings.writes == [[h.webTask]])
        sightings.failing = true
        #expect(await replica.post(h, health: "HEALTHY") == 200)
        await replica.components.flusher.flush()
        sightings.failing = false
        await replica.components.flusher.flush()
        #expect(sightings.writes == [[h.webTask], [h.webTask]])
    }
}

/// The shared sightings table in memory, on its own clock (seconds since the test started), for
/// unit tests of the TTL logic; the PostgreSQL store is tested against the real server.
final class MemorySightings: HeartbeatSightingStore {
    private struct State {
        var rows: [String: [String: Double]] = [:]
        var now: Double = 0
        var writes: [[String]] = []
        var failing = false
    }

    private let state = Mutex(State())

    var rows: [String: [String: Double]] { state.withLock { $0.rows } }
    var writes: [[String]] { state.withLock { $0.writes } }
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    func age(by seconds: Double) { state.withLock { $0.now += seconds } }

    func prepare() async throws {}

    func record(taskArns: [String], replicaID: String) async throws {
        try state.withLock { state in
            if state.failing { throw JournalError.unavailable }
            state.writes.append(taskArns.sorted())
            for arn in taskArns { state.rows[arn, default: [:]][replicaID] = state.now }
        }
    }

    func silentTasks(forSeconds seconds: Double, limit: Int) async throws -> [String] {
        state.withLock { state in
            Array(state.rows.filter { _, seen in seen.values.allSatisfy { state.now - $0 > seconds } }.keys.sorted().prefix(limit))
        }
    }

    func forget(taskArns: [String], silentForSeconds seconds: Double) async throws {
        state.withLock { state in
            for arn in taskArns {
                state.rows[arn] = state.rows[arn]?.filter { state.now - $0.value <= seconds }
                if state.rows[arn]?.isEmpty == true { state.rows[arn] = nil }
            }
        }
    }
}
