import Foundation
import Journal
import MeshModel
import Testing

/// Point lookups (a task, a work key, a service) of a file journal run on a connection of their
/// own, on the calling thread: they see every acknowledged commit, never wait for the reader pool,
/// and refuse to run after `close()`.
struct EventJournalLookupTests {
    /// Many concurrent lookups beside listings that hold the pool's only reader all answer, each
    /// with the committed row: a lookup never waits on the pool (blocked cooperative threads waiting
    /// for a reader that a suspended async read holds would never be resumed).
    @Test func lookups_besideListingsOnOneReader_allAnswerWithCommittedRows() async throws {
        // Given: a file journal with a single pool reader, and committed tasks and work keys
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        var configuration = JournalConfiguration(path: path)
        configuration.maxReaderCount = 1
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        let arns = (0..<40).map { JournalFixtures.taskArn("lookup-\($0)") }
        _ = try await journal.append(arns.map { JournalFixtures.event(arn: $0, version: 1) }, receivedAt: Date())

        // When: every task and its work key are looked up 5 times while listings run alongside
        let found = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<5 {
                group.addTask { try await journal.tasks(limit: 1_000).count >= arns.count ? 0 : -1_000 }
                group.addTask { try await journal.pendingWork(limit: 1_000).count >= arns.count ? 0 : -1_000 }
                for arn in arns {
                    group.addTask {
                        let task = try await journal.task(arn: arn)
                        let work = try await journal.workItem(key: "task:\(arn)")
                        return task?.taskArn == arn && work?.state == .pending ? 1 : 0
                    }
                }
            }
            return try await group.reduce(0, +)
        }

        // Then
        #expect(found == arns.count * 5)
        await journal.close()
    }

    /// A lookup right after an acknowledged write sees it, though it reads on another connection
    /// than the writer's.
    @Test func lookup_afterAcknowledgedWrite_seesIt() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let arn = JournalFixtures.taskArn()
        let service = ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster, accessorID: "a-1",
                                    updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try await journal.task(arn: arn) == nil, "the statement is now cached on the lookup connection")

        // When
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1, status: .pending)], receivedAt: Date())
        let pending = try await journal.task(arn: arn)
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 2)], receivedAt: Date())
        let running = try await journal.task(arn: arn)
        try await journal.upsertService(service)

        // Then
        #expect(pending?.lastStatus == .pending)
        #expect(running?.lastStatus == .running)
        #expect(running?.version == 2)
        #expect(try await journal.service(name: "web") == service)
        await journal.close()
    }

    /// After `close()` a file journal's lookups throw `closed` (GRDB traps on a closed connection).
    @Test func lookups_afterClose_throwClosed() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
        #expect(try await journal.task(arn: arn) != nil)

        // When
        await journal.close()

        // Then
        await #expect(throws: JournalError.closed) { try await journal.task(arn: arn) }
        await #expect(throws: JournalError.closed) { try await journal.workItem(key: "task:\(arn)") }
        await #expect(throws: JournalError.closed) { try await journal.taskHealth(arn: arn) }
        await #expect(throws: JournalError.closed) { try await journal.taskMeta(arn: arn) }
    }
}
