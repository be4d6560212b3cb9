import Foundation
import Journal
import MeshModel
import Testing

/// Retention: what a prune pass deletes, what it must keep, and that the writer forgets what it deleted.
struct EventJournalRetentionTests {
    private let longAgo = Date(timeIntervalSinceNow: -30 * 86400)
    private let cutoff = Date(timeIntervalSinceNow: -14 * 86400)

    /// Settles a task's work key as done at `date`, as a successful worker attempt would.
    private func settleTaskWork(_ journal: EventJournal, arn: String, at date: Date) async throws {
        let started = try #require(try await journal.workItem(key: "task:" + arn))
        try await journal.recordAttempt(key: started.key, generation: started.generation, succeeded: true,
                                        error: nil, parked: false, notBefore: nil, at: date)
    }

    @Test func prune_deletesOldEvents_keepsNewerOnesAndTheNewestRow() async throws {
        // Given: three events received long ago, two recently
        let journal = try JournalFixtures.inMemory()
        let old = JournalFixtures.taskArn("old")
        let recent = JournalFixtures.taskArn("recent")
        _ = try await journal.append((1...3).map { JournalFixtures.event(arn: old, version: $0) }, receivedAt: longAgo)
        _ = try await journal.append((1...2).map { JournalFixtures.event(arn: recent, version: $0) }, receivedAt: Date())

        // When
        let report = try await journal.prune(before: cutoff)

        // Then
        #expect(report.events == 3)
        let left = try await journal.entries(after: 0, limit: 100)
        #expect(left.map(\.taskArn) == [recent, recent])

        // And: everything is older than a cutoff in the future, yet the newest row stays, so its
        // sequence number is never handed out again
        let newest = try await journal.lastSequence()
        #expect(try await journal.prune(before: Date(timeIntervalSinceNow: 86400)).events == 1)
        #expect(try await journal.entries(after: 0, limit: 100).map(\.sequence) == [newest])
        let next = try await journal.append([JournalFixtures.event(arn: recent, version: 3)], receivedAt: Date())
        #expect(next[0].sequence > newest)
    }

    @Test func prune_whenManyOldEvents_deletesThemAllInChunks() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append((1...7).map { JournalFixtures.event(arn: arn, version: $0) }, receivedAt: longAgo)
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 8)], receivedAt: Date())

        // When
        let report = try await journal.prune(before: cutoff, chunk: 2)

        // Then
        #expect(report.events == 7)
        #expect(try await journal.entries(after: 0, limit: 100).map(\.version) == [8])
    }

    @Test func prune_deletesStoppedTaskWithSettledWork_withItsMetaHealthAndKey() async throws {
        // Given: a task that stopped long ago, its work done, with metadata and heartbeat health
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn("stopped")
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: longAgo)
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 2, status: .stopped, desired: .stopped)],
                                     receivedAt: longAgo)
        try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: "web", describedAt: longAgo))
        try await journal.recordHealth(
            TaskHealthRecord(taskArn: arn, health: TaskHealth(phase: .reporting, containers: ["app": .healthy]),
                             revision: 1, changedAt: longAgo),
            wakeKey: "task:" + arn)
        try await settleTaskWork(journal, arn: arn, at: longAgo)

        // When
        let report = try await journal.prune(before: cutoff)

        // Then
        #expect(report.tasks == 1)
        #expect(try await journal.task(arn: arn) == nil)
        #expect(try await journal.workItem(key: "task:" + arn) == nil)
        #expect(try await journal.taskMeta(arn: arn) == nil)
        #expect(try await journal.taskHealth(arn: arn) == nil)
    }

    @Test func prune_keepsRunningTasks_unfinishedWork_andRecentlyStoppedTasks() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let running = JournalFixtures.taskArn("running")
        _ = try await journal.append([JournalFixtures.event(arn: running, version: 1)], receivedAt: longAgo)
        try await settleTaskWork(journal, arn: running, at: longAgo)
        let pending = JournalFixtures.taskArn("pending")
        _ = try await journal.append([JournalFixtures.event(arn: pending, version: 2, status: .stopped, desired: .stopped)],
                                     receivedAt: longAgo)
        let parked = JournalFixtures.taskArn("parked")
        _ = try await journal.append([JournalFixtures.event(arn: parked, version: 2, status: .stopped, desired: .stopped)],
                                     receivedAt: longAgo)
        let claimed = try #require(try await journal.workItem(key: "task:" + parked))
        try await journal.recordAttempt(key: claimed.key, generation: claimed.generation, succeeded: false,
                                        error: "Consul down", parked: true, notBefore: nil, at: longAgo)
        let recent = JournalFixtures.taskArn("recent")
        _ = try await journal.append([JournalFixtures.event(arn: recent, version: 2, status: .stopped, desired: .stopped)],
                                     receivedAt: longAgo)
        try await settleTaskWork(journal, arn: recent, at: Date())

        // When
        let report = try await journal.prune(before: cutoff)

        // Then
        #expect(report.tasks == 0)
        for arn in [running, pending, parked, recent] {
            #expect(try await journal.task(arn: arn) != nil, "\(arn) must stay")
            #expect(try await journal.workItem(key: "task:" + arn) != nil, "\(arn)'s work key must stay")
        }
    }

    /// The writer caches task records; a pruned task must leave that cache, or its next event would
    /// update a row that is gone and the state would be lost.
    @Test func prune_thenLateEventOfPrunedTask_isJournaledAsANewTask() async throws {
        // Given: a pruned task the writer had cached
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        let stopped = JournalFixtures.event(arn: arn, version: 2, status: .stopped, desired: .stopped)
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1), stopped], receivedAt: longAgo)
        try await settleTaskWork(journal, arn: arn, at: longAgo)
        #expect(try await journal.prune(before: cutoff).tasks == 1)

        // When: the last event is delivered again
        let results = try await journal.append([stopped], receivedAt: Date())

        // Then: folded as new, stored, and its work key marked
        #expect(results[0].outcome == .applied)
        let task = try #require(try await journal.task(arn: arn))
        #expect(task.lastStatus == .stopped)
        #expect(task.version == 2)
        #expect(try await journal.workItem(key: "task:" + arn)?.state == .pending)
    }

    @Test func prune_whenNothingIsOld_deletesNothing() async throws {
        // Given
        let journal = try JournalFixtures.inMemory()
        let arn = JournalFixtures.taskArn()
        _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())

        // When
        let report = try await journal.prune(before: cutoff)

        // Then
        #expect(report == JournalPruneReport())
        #expect(try await journal.entries(after: 0, limit: 10).count == 1)
    }
}
