import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: retention (what a prune pass deletes, what it must keep, and that the
/// writer forgets what it deleted) on every back end.
struct JournalStoreRetentionTests {
    private let longAgo = Date(timeIntervalSinceNow: -30 * 86400)
    private let cutoff = Date(timeIntervalSinceNow: -14 * 86400)

    /// Settles a task's work key as done at `date`, as a successful worker attempt would.
    private func settleTaskWork(_ journal: any JournalStore, arn: String, at date: Date) async throws {
        let started = try #require(try await journal.workItem(key: "task:" + arn))
        try await journal.recordAttempt(key: started.key, generation: started.generation, succeeded: true,
                                        error: nil, parked: false, notBefore: nil, at: date)
    }

    /// Old events go, newer ones stay, and so does the newest row (its sequence is never reused).
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_deletesOldEvents_keepsNewerOnesAndTheNewestRow(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given: three events received long ago, two recently
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
    }

    /// More old events than one chunk are all deleted, chunk by chunk.
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_whenManyOldEvents_deletesThemAllInChunks(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append((1...7).map { JournalFixtures.event(arn: arn, version: $0) }, receivedAt: longAgo)
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 8)], receivedAt: Date())

            // When
            let report = try await journal.prune(before: cutoff, chunk: 2)

            // Then
            #expect(report.events == 7)
            #expect(try await journal.entries(after: 0, limit: 100).map(\.version) == [8])
        }
    }

    /// A task that stopped long ago with its work done goes, with its key, metadata and health.
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_deletesStoppedTaskWithSettledWork_withItsMetaHealthAndKey(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given: a task that stopped long ago, its work done, with metadata and heartbeat health
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
    }

    /// Running tasks, unfinished or parked work and recently settled tasks all stay.
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_keepsRunningTasks_unfinishedWork_andRecentlyStoppedTasks(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
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
    }

    /// A writer that caches task records must forget a pruned task, or its next event would update
    /// a row that is gone and the state would be lost.
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_thenLateEventOfPrunedTask_isJournaledAsANewTask(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given: a pruned task the writer had seen
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
    }

    /// A pass with nothing old deletes nothing.
    @Test(arguments: JournalBackendUnderTest.all)
    func prune_whenNothingIsOld_deletesNothing(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1)], receivedAt: Date())

            // When
            let report = try await journal.prune(before: cutoff)

            // Then
            #expect(report == JournalPruneReport())
            #expect(try await journal.entries(after: 0, limit: 10).count == 1)
        }
    }
}
