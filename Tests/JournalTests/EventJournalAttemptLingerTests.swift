import Foundation
import Journal
import MeshTestSupport
import Testing

/// A worker's attempt outcome waits for company (``JournalConfiguration/attemptLinger``) instead of
/// costing an fsync of its own while the next event's commit is near (issue #16).
struct EventJournalAttemptLingerTests {
    /// An outcome queued alone waits; the next event's append takes it into its own transaction.
    @Test func recordAttempt_whenAnEventFollowsWithinTheLinger_ridesInItsCommit() async throws {
        // Given: outcomes may wait far longer than this test runs, and one task's key is pending
        let (journal, path) = try Self.journal(linger: .seconds(60))
        defer { JournalFixtures.removeDatabase(at: path) }
        let (key, generation) = try await Self.pendingKey(in: journal)
        let commitsBefore = journal.statistics.commits

        // When: the outcome is queued, then another task's event arrives
        let outcome = Task { try await Self.recordSuccess(key: key, generation: generation, in: journal) }
        #expect(await eventually(interval: .milliseconds(1)) { journal.statistics.queuedEvents == 1 })
        #expect(journal.statistics.commits == commitsBefore, "the outcome waits instead of committing alone")
        _ = try await journal.append([JournalFixtures.event(arn: JournalFixtures.taskArn("next"), version: 1)],
                                     receivedAt: Date())

        // Then: both went in one transaction, and the key is settled
        #expect(try await outcome.value?.state == .done)
        #expect(journal.statistics.commits == commitsBefore + 1)
        await journal.close()
    }

    /// With nothing to ride along with, an outcome commits once the linger has passed, not before.
    @Test func recordAttempt_whenNothingFollows_commitsAfterTheLinger() async throws {
        // Given
        let (journal, path) = try Self.journal(linger: .milliseconds(50))
        defer { JournalFixtures.removeDatabase(at: path) }
        let (key, generation) = try await Self.pendingKey(in: journal)

        // When
        let started = ContinuousClock.now
        let item = try await Self.recordSuccess(key: key, generation: generation, in: journal)

        // Then
        #expect(item?.state == .done)
        #expect(started.duration(to: .now) >= .milliseconds(50))
        await journal.close()
    }

    /// A batch of bookkeeping alone commits without an fsync of its own, and the writer is back to
    /// FULL for the next event (which makes the outcome durable with it).
    @Test func recordAttempt_whenItCommitsAlone_skipsItsOwnFsyncAndRestoresFull() async throws {
        // Given
        let (journal, path) = try Self.journal(linger: .milliseconds(1))
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

    /// A file journal whose attempt outcomes linger `linger`, and its path.
    private static func journal(linger: Duration) throws -> (EventJournal, String) {
        let path = try JournalFixtures.temporaryDatabasePath()
        var configuration = JournalConfiguration(path: path)
        configuration.attemptLinger = linger
        return (try EventJournal(configuration: configuration, logger: JournalFixtures.logger), path)
    }

    /// Journals one task's event; its work key and that key's generation.
    private static func pendingKey(in journal: EventJournal) async throws -> (String, Int64) {
        let arn = JournalFixtures.taskArn("linger")
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())
        let key = "task:\(arn)"
        return (key, try #require(try await journal.workItem(key: key)).generation)
    }

    private static func recordSuccess(key: String, generation: Int64, in journal: EventJournal) async throws -> WorkItem? {
        try await journal.recordAttempt(key: key, generation: generation, succeeded: true, error: nil, errorClass: nil,
                                        parked: false, notBefore: nil, at: Date(), fence: nil)
    }
}
