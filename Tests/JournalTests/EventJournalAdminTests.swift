import Foundation
import Journal
import MeshModel
import Synchronization
import Testing

/// The commit observer that feeds the journal metrics, SQLite only (the admin API's reads are in the
/// shared suite, `Conformance/JournalStoreAdminTests`).
struct EventJournalAdminTests {
    /// The commit observer hears about each transaction of a file journal with its batch size.
    @Test func commitObserver_whenEventsCommitted_reportsEachTransaction() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        defer { JournalFixtures.removeDatabase(at: path) }
        let reports = Mutex<[JournalCommitReport]>([])
        var configuration = JournalConfiguration(path: path)
        configuration.commitObserver = { report in reports.withLock { $0.append(report) } }
        let journal = try EventJournal(configuration: configuration, logger: JournalFixtures.logger)
        // When
        _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1),
                                      JournalFixtures.event(arn: JournalFixtures.taskArn(), version: 1)], receivedAt: Date())
        await journal.close()
        // Then
        let seen = reports.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.operations == 1, "one append operation carrying two events")
        #expect(seen.first?.succeeded == true)
        #expect((seen.first?.duration ?? .zero) > .zero)
    }
}
