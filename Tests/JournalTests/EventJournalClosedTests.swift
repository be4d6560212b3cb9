import Foundation
import Journal
import Testing

/// After `close()` the SQLite-only reads throw `closed` instead of touching the closed connection
/// (GRDB traps); the reads and writes of every back end are in `Conformance/JournalStoreLifecycleTests`.
struct EventJournalClosedTests {
    @Test func databaseSettings_afterClose_throwsClosed() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        await journal.close()

        // When / Then
        await #expect(throws: JournalError.closed) { try await journal.databaseSettings() }
        await #expect(throws: JournalError.closed) { try await journal.integrityCheck() }
    }
}
