import Foundation
import Journal
import MeshModel
import Testing

/// File-backed DatabasePool: settings, restart, unclean shutdown, integrity.
struct EventJournalFileTests {
    /// A file database runs in WAL mode with synchronous=FULL, and passes integrity_check.
    @Test func open_whenFileBacked_usesWALAndFullSync() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }

        // When
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)

        // Then
        let settings = try await journal.databaseSettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2)
        #expect(try await journal.integrityCheck())
        await journal.close()
    }

    /// Reopening after close keeps events, tasks, work keys and services; migrations do not rerun destructively.
    @Test func reopen_whenClosedCleanly_keepsEverything() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let arn = JournalFixtures.taskArn()
        let first = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        _ = try await first.append([JournalFixtures.event(arn: arn, version: 1, status: .pending),
                                    JournalFixtures.event(arn: arn, version: 2)], receivedAt: Date())
        try await first.markWork(["service:mesh/web"])
        let service = ServiceRecord(name: "web", clusterArn: JournalFixtures.cluster, accessorID: "a-1",
                                    updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
        try await first.upsertService(service)
        let taskBefore = try await first.task(arn: arn)
        await first.close()

        // When
        let second = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)

        // Then
        #expect(try await second.task(arn: arn) == taskBefore)
        #expect(try await second.lastSequence() == 2)
        #expect(Set(try await second.pendingWork(limit: 10).map(\.key)) == ["task:\(arn)", "service:mesh/web"])
        #expect(try await second.workItem(key: "task:\(arn)")?.state == .pending, "resumed by the workers")
        #expect(try await second.service(name: "web") == service)
        let next = try await second.append([JournalFixtures.event(arn: arn, version: 3)], receivedAt: Date())
        #expect(next.first?.sequence == 3)
        #expect(try await second.integrityCheck())
        await second.close()
    }

    /// A journal dropped without close (as after a crash of the process's owner) reopens intact.
    @Test func reopen_whenDroppedWithoutClose_keepsAcknowledgedEvents() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let arn = JournalFixtures.taskArn()
        var acknowledged: [AppendResult] = []
        do {
            let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
            for version in 1...10 {
                acknowledged += try await journal.append([JournalFixtures.event(arn: arn, version: Int64(version))],
                                                         receivedAt: Date())
            }
            // no close(): the journal is simply dropped here
        }

        // When
        let reopened = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)

        // Then
        #expect(try await reopened.integrityCheck())
        #expect(try await reopened.entries(after: 0, limit: 100).map(\.sequence) == acknowledged.map(\.sequence))
        #expect(try await reopened.task(arn: arn)?.version == 10)
        #expect(try await reopened.workItem(key: "task:\(arn)")?.state == .pending)
        await reopened.close()
    }

    /// A path in a missing directory fails to open with a non-retryable error.
    @Test func open_whenDirectoryMissing_throwsOpenFailed() throws {
        // Given
        let path = "/nonexistent-\(UUID().uuidString)/journal.sqlite"

        // When
        let error = #expect(throws: JournalError.self) {
            _ = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        }

        // Then
        #expect(error == .openFailed || error == .unavailable)
        #expect(error.map { "\($0)" }?.contains("JournalError") == true)
    }
}
