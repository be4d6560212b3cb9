import Foundation
import Journal
import MeshTestSupport
import Testing

/// A batch of worker bookkeeping alone commits without an fsync of its own (SQLite `synchronous`
/// NORMAL for that commit), so an event's 202 does not wait behind it (issue #16); everything
/// acknowledged still commits with FULL.
struct EventJournalRelaxedCommitTests {
    /// A batch of bookkeeping alone commits without an fsync of its own, and the writer is back to
    /// FULL for the next event (which makes the outcome durable with it).
    @Test func recordAttempt_whenItCommitsAlone_skipsItsOwnFsyncAndRestoresFull() async throws {
        // Given
        let path = try JournalFixtures.temporaryDatabasePath()
        let journal = try EventJournal(configuration: JournalConfiguration(path: path), logger: JournalFixtures.logger)
        defer { JournalFixtures.removeDatabase(at: path) }
        let (key, generation) = try await Self.pendingKey(in: journal)
        let before = journal.statistics

        // When: the outcome commits alone, then an event follows
        #expect(try await Self.recordSuccess(key: key, generation: generation, in: journal)?.state == .done)
        let afterOutcome = journal.statistics
        let settingsBetween = try await journal.databaseSettings()
        _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("next"), version: 1)],
                                     receivedAt: Date())

        // Then
        #expect(afterOutcome.commits == before.commits + 1)
        #expect(afterOutcome.relaxedCommits == before.relaxedCommits + 1)
        #expect(settingsBetween.synchronous == 2, "FULL again once the relaxed commit is done")
        #expect(journal.statistics.relaxedCommits == afterOutcome.relaxedCommits, "an event's commit is durable")
        #expect(journal.statistics.commits == afterOutcome.commits + 1)
        await journal.close()
    }

    /// Journals one task's event; its work key and that key's generation.
    private static func pendingKey(in journal: EventJournal) async throws -> (String, Int64) {
        let arn = JournalFixtures.taskArn("relaxed")
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
        let key = "task:\(arn)"
        return (key, try #require(try await journal.workItem(key: key)).generation)
    }

    private static func recordSuccess(key: String, generation: Int64, in journal: EventJournal) async throws -> WorkItem? {
        try await journal.recordAttempt(key: key, generation: generation, succeeded: true, error: nil, errorClass: nil,
                                        parked: false, notBefore: nil, at: Date(), fence: nil)
    }
}
