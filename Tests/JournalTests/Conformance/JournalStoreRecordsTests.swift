import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: service token state, task metadata, settings and heartbeat health
/// on every back end.
struct JournalStoreRecordsTests {
    static func health(_ arn: String, _ phase: TaskHealth.Phase, revision: Int64) -> TaskHealthRecord {
        TaskHealthRecord(taskArn: arn, health: TaskHealth(phase: phase, containers: ["app": .healthy, "db": .unknown]),
                         revision: revision, changedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// A service record is inserted, then replaced in place.
    @Test(arguments: JournalBackendUnderTest.all)
    func upsertService_whenUpdated_replacesRecord(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            var service = ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster,
                                        updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
            try await journal.upsertService(service)

            // When
            service.accessorID = "0f8a…"
            service.secretArn = "arn:aws:secretsmanager:us-east-1:1:secret:mesh-web"
            service.tokenSHA256 = String(repeating: "ab", count: 32)
            service.lastTaskSeenAt = Date(timeIntervalSince1970: 1_700_000_100.5)
            try await journal.upsertService(service)
            try await journal.upsertService(ServiceRecord(name: "api", clusterArn: JournalFixtures.cluster,
                                                          updatedAt: Date(timeIntervalSince1970: 1)))

            // Then
            #expect(try await journal.service(name: "web") == service)
            #expect(try await journal.services().map(\.name) == ["api", "web"])
            #expect(try await journal.service(name: "none") == nil)
        }
    }

    /// Task metadata round-trips, tags included.
    @Test(arguments: JournalBackendUnderTest.all)
    func upsertTaskMeta_whenStored_readsBack(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let meta = TaskMeta(taskArn: arn, mesh: true, serviceName: "web",
                                tags: ["consul.hashicorp.com/mesh": "true", "team": "a"], servicePort: 8080,
                                describedAt: Date(timeIntervalSince1970: 1_700_000_000.25))

            // When
            try await journal.upsertTaskMeta(meta)

            // Then
            #expect(try await journal.taskMeta(arn: arn) == meta)
            #expect(try await journal.taskMeta(arn: "arn:none") == nil)
        }
    }

    /// A setting is stored durably and replaced by a later value.
    @Test(arguments: JournalBackendUnderTest.all)
    func storeSetting_whenStoredTwice_keepsTheLastValue(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            #expect(try await journal.setting("work.configurationFingerprint") == nil)

            // When
            try await journal.storeSetting("work.configurationFingerprint", value: "a1")
            try await journal.storeSetting("work.configurationFingerprint", value: "b2")

            // Then
            #expect(try await journal.setting("work.configurationFingerprint") == "b2")
        }
    }

    /// A health transition is stored with the task's work key marked pending, in one transaction.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordHealth_whenNew_storesAndMarksKey(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            // When
            let stored = try await journal.recordHealth(Self.health(arn, .reporting, revision: 1), wakeKey: "task:\(arn)")
            // Then
            #expect(stored)
            #expect(try await journal.taskHealth(arn: arn) == Self.health(arn, .reporting, revision: 1))
            #expect(try await journal.workItem(key: "task:\(arn)")?.state == .pending)
        }
    }

    /// An older revision never overwrites a newer one, and marks no work.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordHealth_whenOlderRevision_ignored(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            try await journal.recordHealth(Self.health(arn, .stopping, revision: 2), wakeKey: "task:\(arn)")
            let generation = try #require(try await journal.workItem(key: "task:\(arn)")).generation
            // When
            let stored = try await journal.recordHealth(Self.health(arn, .reporting, revision: 1), wakeKey: "task:\(arn)")
            // Then
            #expect(!stored)
            #expect(try await journal.taskHealth(arn: arn)?.health.phase == .stopping)
            #expect(try await journal.workItem(key: "task:\(arn)")?.generation == generation)
            #expect(try await journal.taskHealthRecords().count == 1)
        }
    }

    /// A warm-up's first heartbeats (one transition per task, all at once) share group commits
    /// instead of one transaction each, and every one is stored with its key marked.
    @Test(arguments: JournalBackendUnderTest.all)
    func recordHealth_whenManyConcurrent_sharesTransactions(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arns = (0..<300).map { JournalFixtures.taskArn("h\($0)") }

            // When
            let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
                for arn in arns {
                    group.addTask {
                        try await journal.recordHealth(Self.health(arn, .reporting, revision: 1), wakeKey: "task:\(arn)")
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }

            // Then
            #expect(stored.count == 300 && stored.allSatisfy { $0 })
            #expect(try await journal.taskHealthRecords().count == 300)
            #expect(try await journal.workItems(keys: arns.map { "task:\($0)" }).values.allSatisfy { $0.state == .pending })
            #expect(journal.statistics.commits < 300)
        }
    }

    /// The identity of a mesh task names its service and that service's token hash.
    @Test(arguments: JournalBackendUnderTest.all)
    func heartbeatIdentity_whenMeshTaskWithToken_namesServiceAndHash(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
            try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: Date()))
            try await journal.upsertService(ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster,
                                                          tokenSHA256: String(repeating: "ab", count: 32),
                                                          updatedAt: Date()))
            // When
            let identity = try await journal.heartbeatIdentity(taskArn: arn)
            // Then
            #expect(identity == HeartbeatIdentity(taskArn: arn, serviceName: "web",
                                                  tokenSHA256: String(repeating: "ab", count: 32), stopped: false))
            #expect(try await journal.heartbeatIdentities().map(\.taskArn) == [arn])
            #expect(try await journal.serviceTokenHashes() == ["web": String(repeating: "ab", count: 32)])
            #expect(try await journal.heartbeatIdentity(taskArn: JournalFixtures.taskArn()) == nil)
        }
    }
}
