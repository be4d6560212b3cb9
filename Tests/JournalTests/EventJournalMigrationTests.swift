import Foundation
import InMemoryLogging
import Journal
import Logging
import MeshModel
import Testing

/// The real migrator: named migrations, logged under `db.migration`, run once per database.
struct EventJournalMigrationTests {
    static let allMigrations = [
        "v1-events-tasks-work", "v1-services-task-meta", "v3-heartbeats-health", "v4-keyed-tasks-work",
        "v5-work-error-class-settings",
    ]

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
        #expect(migrations(firstLog) == Self.allMigrations)
        #expect(migrations(secondLog).isEmpty)
        #expect(try await second.integrityCheck())
        await second.close()
    }

    /// The in-memory journal runs the same migrator (tests get the production schema).
    @Test func inMemory_whenCreated_runsTheSameMigrations() async throws {
        // Given
        let log = InMemoryLogHandler()

        // When
        let journal = try EventJournal.inMemory(logger: Logger(label: "journal", factory: { _ in log }))

        // Then
        #expect(log.entries.compactMap { $0.metadata["db.migration"].map { "\($0)" } }
            == Self.allMigrations)
        #expect(try await journal.databaseSettings().journalMode == "memory")
        #expect(try await journal.workCounts().values.allSatisfy { $0 == 0 })
    }

    /// A v3 journal gets v4, which clusters `tasks` and `work` on their keys and keeps every row, and v5.
    @Test func open_whenV3Database_rebuildsTasksAndWorkKeepingRows() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let arn = JournalFixtures.taskArn("v3")
        try JournalV3Database.create(at: path, taskArn: arn, cluster: JournalFixtures.cluster)
        let log = InMemoryLogHandler()

        // When
        let journal = try EventJournal(configuration: JournalConfiguration(path: path),
                                       logger: Logger(label: "journal", factory: { _ in log }))

        // Then
        #expect(log.entries.compactMap { $0.metadata["db.migration"].map { "\($0)" } }
            == ["v4-keyed-tasks-work", "v5-work-error-class-settings"])
        let task = try #require(try await journal.task(arn: arn))
        #expect(task.version == 7 && task.lastStatus.rawValue == "RUNNING" && task.group == "service:web")
        let work = try #require(try await journal.workItem(key: "task:" + arn))
        #expect(work.state == .failed && work.generation == 2 && work.attempts == 3 && work.lastError == "consul: 500")
        #expect(work.lastErrorClass == nil)
        #expect(try await journal.tasks(cluster: JournalFixtures.cluster).map(\.taskArn) == [arn])
        #expect(try await journal.integrityCheck())
        await journal.close()
        #expect(try JournalV3Database.tableSQL("tasks", at: path)?.hasSuffix("WITHOUT ROWID") == true)
        #expect(try JournalV3Database.tableSQL("work", at: path)?.hasSuffix("WITHOUT ROWID") == true)
    }
}
