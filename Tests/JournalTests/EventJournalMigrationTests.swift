import Foundation
import InMemoryLogging
import Journal
import Logging
import Testing

/// The real migrator: named v1 migrations, logged under `db.migration`, run once per database.
struct EventJournalMigrationTests {
    /// A fresh database runs every migration once and logs each by name; reopening runs none.
    @Test func open_whenFreshThenReopened_migratesOnce() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let firstLog = InMemoryLogHandler()
        let secondLog = InMemoryLogHandler()

        // When
        let first = try EventJournal(configuration: JournalConfiguration(path: path),
                                     logger: Logger(label: "journal", factory: { _ in firstLog }))
        await first.close()
        let second = try EventJournal(configuration: JournalConfiguration(path: path),
                                      logger: Logger(label: "journal", factory: { _ in secondLog }))

        // Then
        let migrations = { (handler: InMemoryLogHandler) in
            handler.entries.compactMap { $0.metadata["db.migration"].map { "\($0)" } }
        }
        #expect(migrations(firstLog) == ["v1-events-tasks-work", "v1-services-task-meta", "v3-heartbeats-health"])
        #expect(migrations(secondLog).isEmpty)
        #expect(try second.integrityCheck())
        await second.close()
    }

    /// The in-memory journal runs the same migrator (tests get the production schema).
    @Test func inMemory_whenCreated_runsTheSameMigrations() throws {
        // Given
        let log = InMemoryLogHandler()

        // When
        let journal = try EventJournal.inMemory(logger: Logger(label: "journal", factory: { _ in log }))

        // Then
        #expect(log.entries.compactMap { $0.metadata["db.migration"].map { "\($0)" } }
            == ["v1-events-tasks-work", "v1-services-task-meta", "v3-heartbeats-health"])
        #expect(try journal.databaseSettings().journalMode == "memory")
        #expect(try journal.workCounts().values.allSatisfy { $0 == 0 })
    }
}
