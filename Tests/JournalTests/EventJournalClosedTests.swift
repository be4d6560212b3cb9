import Foundation
import Journal
import Testing

/// After `close()` every call throws `closed` instead of touching the closed connection (GRDB traps).
struct EventJournalClosedTests {
    @Test func readsAndWrites_afterClose_throwClosed() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        await journal.close()

        // When / Then
        await #expect(throws: JournalError.closed) { try await journal.lastSequence() }
        await #expect(throws: JournalError.closed) { try await journal.databaseSettings() }
        await #expect(throws: JournalError.closed) {
            try await journal.markWork(["task:x"])
        }
        await #expect(throws: JournalError.closed) {
            _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)],
                                         receivedAt: Date())
        }
    }
}
