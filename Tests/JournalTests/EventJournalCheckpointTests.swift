import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// WAL checkpoints of a file journal run beside the writer, not inside its commits.
struct EventJournalCheckpointTests {
    /// A few commits, far below SQLite's 1000-page autocheckpoint, reach the database file while the
    /// journal stays open: the background checkpointer copied them.
    @Test func append_whenFileBacked_checkpointsInTheBackground() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        let sizeAfterOpen = try Self.fileSize(path)

        // When
        for version in 1...20 {
            _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("ckpt\(version)"),
                                                                version: 1)], receivedAt: Date())
        }

        // Then
        let copied = await eventually { try Self.fileSize(path) > sizeAfterOpen }
        #expect(copied, "the database file grew while the journal was open")
        #expect(try await journal.lastSequence() == 20)
        #expect(try await journal.integrityCheck())
        await journal.close()
    }

    /// Events appended while checkpoints run are all readable after a reopen, byte for byte.
    @Test func reopen_afterBackgroundCheckpoints_keepsEveryBody() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let arn = JournalFixtures.taskArn("bodies")
        let events = (1...200).map { JournalFixtures.event(arn: arn, version: Int64($0)) }
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        for event in events {
            _ = try await journal.append([event], receivedAt: Date())
        }
        await journal.close()

        // When
        let reopened = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)

        // Then
        let bodies = try await reopened.entries(after: 0, limit: 500).map(\.body)
        #expect(bodies == events.map { String(decoding: $0.rawJSON, as: UTF8.self) })
        #expect(try await reopened.task(arn: arn)?.version == 200)
        #expect(try await reopened.integrityCheck())
        await reopened.close()
    }

    private static func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
