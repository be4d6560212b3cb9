import Foundation
import Journal
import MeshModel
import Testing

/// Heartbeat health in the journal: transitions, revisions, identities.
struct EventJournalHealthTests {
    static func record(_ arn: String, _ phase: TaskHealth.Phase, revision: Int64) -> TaskHealthRecord {
        TaskHealthRecord(taskArn: arn, health: TaskHealth(phase: phase, containers: ["app": .healthy, "db": .unknown]),
                         revision: revision, changedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// A transition is stored with the task's work key marked pending, in one transaction.
    @Test func recordHealth_whenNew_storesAndMarksKey() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        // When
        let stored = try await journal.recordHealth(Self.record(arn, .reporting, revision: 1), wakeKey: "task:\(arn)")
        // Then
        #expect(stored)
        #expect(try await journal.taskHealth(arn: arn) == Self.record(arn, .reporting, revision: 1))
        #expect(try await journal.workItem(key: "task:\(arn)")?.state == .pending)
        await journal.close()
    }

    /// An older revision never overwrites a newer one, and marks no work.
    @Test func recordHealth_whenOlderRevision_ignored() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        try await journal.recordHealth(Self.record(arn, .stopping, revision: 2), wakeKey: "task:\(arn)")
        let generation = try #require(try await journal.workItem(key: "task:\(arn)")).generation
        // When
        let stored = try await journal.recordHealth(Self.record(arn, .reporting, revision: 1), wakeKey: "task:\(arn)")
        // Then
        #expect(!stored)
        #expect(try await journal.taskHealth(arn: arn)?.health.phase == .stopping)
        #expect(try await journal.workItem(key: "task:\(arn)")?.generation == generation)
        #expect(try await journal.taskHealthRecords().count == 1)
        await journal.close()
    }

    /// A warm-up's first heartbeats (one transition per task, all at once) share group commits
    /// instead of one transaction each, and every one is stored with its key marked.
    @Test func recordHealth_whenManyConcurrent_sharesTransactions() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arns = (0..<300).map { JournalFixtures.taskArn("h\($0)") }

        // When
        let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
            for arn in arns {
                group.addTask { try await journal.recordHealth(Self.record(arn, .reporting, revision: 1), wakeKey: "task:\(arn)") }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }

        // Then
        #expect(stored.count == 300 && stored.allSatisfy { $0 })
        #expect(try await journal.taskHealthRecords().count == 300)
        #expect(try await journal.workItems(keys: arns.map { "task:\($0)" }).values.allSatisfy { $0.state == .pending })
        #expect(journal.statistics.commits < 300)
        await journal.close()
    }

    /// The identity of a mesh task names its service and that service's token hash.
    @Test func heartbeatIdentity_whenMeshTaskWithToken_namesServiceAndHash() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
        try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
        try await journal.upsertService(ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster,
                                                      tokenSHA256: String(repeating: "ab", count: 32), updatedAt: Date()))
        // When
        let identity = try await journal.heartbeatIdentity(taskArn: arn)
        // Then
        #expect(identity == HeartbeatIdentity(taskArn: arn, serviceName: "web",
                                              tokenSHA256: String(repeating: "ab", count: 32), stopped: false))
        #expect(try await journal.heartbeatIdentities().map(\.taskArn) == [arn])
        #expect(try await journal.serviceTokenHashes() == ["web": String(repeating: "ab", count: 32)])
        #expect(try await journal.heartbeatIdentity(taskArn: JournalFixtures.taskArn()) == nil)
        await journal.close()
    }
}
