import ErrorClassification
import Foundation
import Journal
import MeshModel
import MeshTestSupport
import PostgresJournal
import PostgresNIO
import Testing

@Suite(.enabled(if: PostgresJournalTesting.isEnabled, "needs MESH_TEST_POSTGRES_URL (deploy/local/stack.sh start)"))
struct PostgresEventJournalTests {
    typealias PG = PostgresJournalTesting

    /// Events fold by `detail.version`: a lower version is stale, an equal one a duplicate; both are
    /// journaled and change nothing; the applied one marks the task's work key pending. Once append
    /// returns, another connection sees the rows (committed).
    @Test func append_foldsByVersion_andIsCommittedWhenItReturns() async throws {
        let configuration = try await PG.schema()
        try await PG.withJournal(configuration) { journal in
            let arn = PG.taskArn()
            let results = try await journal.append(
                [PG.event(arn: arn, version: 3), PG.event(arn: arn, version: 2), PG.event(arn: arn, version: 3)],
                receivedAt: Date())
            #expect(results.map(\.outcome) == [.applied, .stale, .duplicate])
            #expect(results.map(\.sequence) == results.map(\.sequence).sorted())
            let later = try await journal.append([PG.event(arn: arn, version: 5, status: .stopped)], receivedAt: Date())
            #expect(later.map(\.outcome) == [.applied])

            let task = try #require(try await journal.task(arn: arn))
            #expect(task.version == 5 && task.lastStatus == .stopped && task.group == "service:web")
            let work = try #require(try await journal.workItem(key: WorkKey.task(arn: arn).rawValue))
            #expect(work.state == .pending && work.generation == 2)
            let entries = try await journal.entries(forTask: arn, limit: 10)
            #expect(entries.map(\.outcome) == [.applied, .stale, .duplicate, .applied])
            #expect(entries.map(\.source) == ["event", "event", "event", "event"])
            #expect(try await journal.lastSequence() == later[0].sequence)

            let seen = try await PG.withClient(configuration) { client in
                var versions: [Int64] = []
                for try await version in try await client.query("SELECT version FROM events WHERE task_arn = \(arn) ORDER BY sequence")
                    .decode(Int64.self) { versions.append(version) }
                return versions
            }
            #expect(seen == [3, 2, 3, 5])
        }
    }

    /// Work keys: a mark bumps the generation; success settles only the current generation; a
    /// failure counts and keeps `notBefore`; parking parks; a missing key is notFound.
    @Test func workKeys_generationsSettleAndPark() async throws {
        try await PG.withJournal { journal in
            let key = "service:web-\(UUID().uuidString.prefix(6))"
            try await journal.markWork([key], at: Date())
            let first = try #require(try await journal.workItem(key: key))
            #expect(first.state == .pending && first.generation == 1)
            try await journal.markWork([key], at: Date())
            // A success of the old generation leaves the key pending.
            let stale = try await journal.recordAttempt(key: key, generation: 1, succeeded: true, error: nil,
                                                        parked: false, notBefore: nil)
            #expect(stale?.state == .pending && stale?.generation == 2)
            let retry = Date(timeIntervalSince1970: 1_800_000_000)
            let failed = try await journal.recordAttempt(key: key, generation: 2, succeeded: false, error: "consul: 500",
                                                         errorClass: .transient, parked: false, notBefore: retry)
            #expect(failed?.attempts == 1 && failed?.notBefore == retry && failed?.lastErrorClass == .transient)
            let parked = try await journal.recordAttempt(key: key, generation: 2, succeeded: false, error: "acl: 403",
                                                         errorClass: .permanent, parked: true, notBefore: nil,
                                                         at: Date(timeIntervalSince1970: 1_800_000_100.5))
            #expect(parked?.state == .failed && parked?.attempts == 2)
            #expect(try await journal.workItem(key: key) == parked)
            #expect(try await journal.workCounts()[.failed] == 1)
            await #expect(throws: JournalError.notFound) {
                try await journal.recordAttempt(key: "service:none", generation: 1, succeeded: true, error: nil,
                                                parked: false, notBefore: nil)
            }
            try await journal.markWork([key], at: Date())
            let woken = try await journal.recordAttempt(key: key, generation: 3, succeeded: true, error: nil,
                                                        parked: false, notBefore: nil)
            #expect(woken?.state == .done && woken?.attempts == 0 && woken?.lastError == nil)
        }
    }

    /// Two replicas on one database append interleaved versions of the same tasks at once: per
    /// task, the applied events have strictly increasing versions in sequence order and the task
    /// ends at the highest version (no lost update: folds of one task are serialized).
    @Test func twoJournals_appendingInterleavedVersions_foldEachTaskInVersionOrder() async throws {
        let configuration = try await PG.schema()
        try await PG.withJournal(configuration) { first in
            try await PG.withJournal(configuration) { second in
                let arns = (0..<8).map { PG.taskArn("race\($0)") }
                let versions: [Int64] = Array(1...24)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, journal) in [first, second].enumerated() {
                        for lane in 0..<4 {
                            group.addTask {
                                var random = SeededRandom(seed: UInt64(index * 10 + lane + 1))
                                for version in versions.shuffled(using: &random) where Int(version) % 8 == index * 4 + lane {
                                    let events = arns.map { PG.event(arn: $0, version: version) }
                                    _ = try await journal.append(events.shuffled(using: &random), receivedAt: Date())
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                for arn in arns {
                    let task = try #require(try await first.task(arn: arn))
                    #expect(task.version == 24)
                    let entries = try await second.entries(forTask: arn, limit: 100)
                    #expect(entries.count == 24)
                    let applied = entries.filter { $0.outcome == .applied }.map(\.version)
                    #expect(applied == applied.sorted() && Set(applied).count == applied.count && applied.last == 24)
                }
            }
        }
    }

    /// NOTIFY crosses replicas: keys marked by one journal (by an event's fold or markWork) reach
    /// the work signals of the other.
    @Test func workSignals_keysMarkedOnOneReplica_reachTheOther() async throws {
        let configuration = try await PG.schema()
        try await PG.withJournal(configuration) { writer in
            try await PG.withJournal(configuration) { listener in
                let arn = PG.taskArn()
                let taskKey = WorkKey.task(arn: arn).rawValue
                let serviceKey = "service:signal-\(UUID().uuidString.prefix(6))"
                let signals = listener.workSignals()
                _ = try await writer.append([PG.event(arn: arn, version: 1)], receivedAt: Date())
                try await writer.markWork([serviceKey], at: Date())
                #expect(await signals.wait { seen, _ in seen.isSuperset(of: [taskKey, serviceKey]) })
            }
        }
    }

    /// Services, task metadata, settings and health records round-trip; the admin reads page by key.
    @Test func servicesMetaSettingsHealthAndAdminReads_roundTrip() async throws {
        try await PG.withJournal { journal in
            let arn = PG.taskArn()
            _ = try await journal.append([PG.event(arn: arn, version: 1)], receivedAt: Date())
            let service = ServiceRecord(name: "web", clusterArn: PG.cluster, accessorID: "acc", tokenSHA256: "ab12",
                                        updatedAt: Date(timeIntervalSince1970: 1_700_000_123.25))
            try await journal.upsertService(service)
            let meta = TaskMeta(taskArn: arn, mesh: true, serviceName: "web", tags: ["a": "b"], servicePort: 8080,
                                describedAt: Date(timeIntervalSince1970: 1_700_000_000.5))
            try await journal.upsertTaskMeta(meta)
            try await journal.storeSetting("fingerprint", value: "v1")
            #expect(try await journal.service(name: "web") == service)
            #expect(try await journal.taskMeta(arn: arn) == meta)
            #expect(try await journal.setting("fingerprint") == "v1")
            #expect(try await journal.serviceTokenHashes() == ["web": "ab12"])
            let identity = try #require(try await journal.heartbeatIdentity(taskArn: arn))
            #expect(identity.serviceName == "web" && identity.tokenSHA256 == "ab12" && !identity.stopped)

            let health = TaskHealthRecord(taskArn: arn, health: TaskHealth(phase: .reporting, containers: [:], ttlSeconds: 30),
                                          revision: 2, changedAt: Date(timeIntervalSince1970: 1_700_000_200))
            #expect(try await journal.recordHealth(health, wakeKey: "task:\(arn)"))
            var older = health
            older.revision = 1
            #expect(try await journal.recordHealth(older, wakeKey: "task:\(arn)") == false)
            #expect(try await journal.taskHealth(arn: arn) == health)

            let rows = try await journal.adminTasks(service: "web", limit: 10)
            #expect(rows.map(\.task.taskArn) == [arn] && rows.first?.meta == meta)
            let services = try await journal.adminServices(limit: 10, after: nil)
            #expect(services.map(\.service.name) == ["web"] && services.first?.taskIDs.count == 1)
            let summary = try await journal.adminSummary()
            #expect(summary.lastSequence >= 1 && summary.workCounts[.pending] == 1 && summary.databaseBytes > 0)
        }
    }

    /// Keys are ordered byte by byte (`COLLATE "C"`), as SQLite orders them, and pages follow on.
    @Test func pendingWork_ordersKeysBytewise_andPagesAfterALastKey() async throws {
        try await PG.withJournal { journal in
            let keys = ["service:b", "service:B", "service:a", "service:_", "service:a-1"]
            try await journal.markWork(keys, at: Date())
            let all = try await journal.pendingWork(limit: 10).map(\.key)
            #expect(all == keys.sorted())
            let page = try await journal.pendingWork(limit: 2, after: all[1]).map(\.key)
            #expect(page == Array(all[2...3]))
            #expect(try await journal.workKeys(prefix: "service:", suffix: "_").map(\.key) == ["service:_"])
        }
    }
}
