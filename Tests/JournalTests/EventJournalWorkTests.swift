import ErrorClassification
import Foundation
import GRDB
@testable import Journal
import Testing

/// Durable work keys, SQLite only (the rest is in the shared suite, `Conformance/JournalStoreWorkTests`).
struct EventJournalWorkTests {
    /// A `running` key (written by an older version, which marked attempts running) is still pending work.
    @Test func pendingWork_whenRunning_isIncluded() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())

        // When
        try await journal.dbWriter.write { db in
            try db.execute(sql: "UPDATE work SET state = 'running' WHERE key = ?", arguments: ["task:\(arn)"])
        }

        // Then
        let pending = try await journal.pendingWork(limit: 10)
        #expect(pending.map(\.key) == ["task:\(arn)"])
        #expect(pending.first?.state == .running)
    }
}
