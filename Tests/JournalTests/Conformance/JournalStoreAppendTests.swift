import Foundation
import Journal
import MeshModel
import MeshTestSupport
import Testing

/// The shared journal suite: appending events and reading back events and folded task state, on
/// every back end (``JournalBackendUnderTest``).
struct JournalStoreAppendTests {
    /// A first event is journaled as applied and becomes the task's state.
    @Test(arguments: JournalBackendUnderTest.all)
    func append_whenFirstEvent_appliesAndReadsBack(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let event = JournalFixtures.event(arn: arn, version: 1, status: .pending)
            let receivedAt = Date(timeIntervalSince1970: 1_700_000_123.25)

            // When
            let results = try await journal.append([event], receivedAt: receivedAt)

            // Then
            #expect(results == [AppendResult(sequence: 1, outcome: .applied, taskArn: arn)])
            let task = try #require(try await journal.task(arn: arn))
            #expect(task == TaskFold.fold(event.change, into: nil).record)
            #expect(task.containers == [ContainerState(name: "app", lastStatus: "RUNNING")])
            let entries = try await journal.entries(after: 0, limit: 10)
            #expect(entries.count == 1)
            #expect(entries.first?.receivedAt == receivedAt)
            #expect(entries.first?.body == String(decoding: event.rawJSON, as: UTF8.self))
            #expect(entries.first?.source == "event")
            #expect(try await journal.lastSequence() == 1)
            #expect(try await journal.workItem(key: "task:\(arn)")?.state == .pending)
        }
    }

    /// A redelivery (same version) and an older event are journaled with their outcome and change nothing.
    @Test(arguments: JournalBackendUnderTest.all)
    func append_whenDuplicateOrStale_journalsOutcomeAndKeepsState(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 5, status: .running)], receivedAt: Date())
            let before = try await journal.task(arn: arn)
            let generationBefore = try await journal.workItem(key: "task:\(arn)")?.generation

            // When
            let duplicate = try await journal.append(
                [JournalFixtures.event(arn: arn, version: 5, status: .stopped)], receivedAt: Date())
            let stale = try await journal.append(
                [JournalFixtures.event(arn: arn, version: 3, status: .pending)], receivedAt: Date())

            // Then
            #expect(duplicate.map(\.outcome) == [.duplicate])
            #expect(stale.map(\.outcome) == [.stale])
            #expect(try await journal.task(arn: arn) == before)
            #expect(try await journal.workItem(key: "task:\(arn)")?.generation == generationBefore)
            let entries = try await journal.entries(forTask: arn, limit: 10)
            #expect(entries.map(\.outcome) == [.applied, .duplicate, .stale])
            #expect(entries.map(\.version) == [5, 5, 3])
            #expect(entries.map(\.lastStatus) == ["RUNNING", "STOPPED", "PENDING"])
        }
    }

    /// Several events of one task in one call fold in order, within one transaction.
    @Test(arguments: JournalBackendUnderTest.all)
    func append_whenSeveralEventsOfOneTask_foldsInOrder(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let events = [
                JournalFixtures.event(arn: arn, version: 1, status: .pending),
                JournalFixtures.event(arn: arn, version: 3, status: .running),
                JournalFixtures.event(arn: arn, version: 2, status: .activating),
                JournalFixtures.event(arn: arn, version: 3, status: .running),
                JournalFixtures.event(arn: arn, version: 4, status: .stopped, desired: .stopped, address: nil),
            ]
            let commitsBefore = journal.statistics.commits

            // When
            let results = try await journal.append(events, receivedAt: Date())

            // Then
            #expect(results.map(\.outcome) == [.applied, .applied, .stale, .duplicate, .applied])
            #expect(results.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(journal.statistics.commits == commitsBefore + 1)
            let task = try #require(try await journal.task(arn: arn))
            #expect(task.version == 4)
            #expect(task.lastStatus == .stopped)
            #expect(task.address == "10.0.1.7", "an event without address keeps the known one")
            #expect(try await journal.workItem(key: "task:\(arn)")?.generation == 1, "one bump per batch")
        }
    }

    /// Container state survives the round trip through the tasks row, including characters JSON escapes.
    @Test(arguments: JournalBackendUnderTest.all)
    func task_whenContainersHaveSpecialCharacters_roundTrips(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let containers = [
                ContainerState(name: "app \"quoted\" \\ back", lastStatus: "RUNNING", exitCode: nil, healthStatus: "HEALTHY"),
                ContainerState(name: "line\nbreak\ttab\u{1}ctl", lastStatus: nil, exitCode: -1, healthStatus: nil),
                ContainerState(name: "ünïcødé-✓", lastStatus: "STOPPED", exitCode: 137, healthStatus: "UNHEALTHY"),
            ]

            // When
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 1, containers: containers)],
                                         receivedAt: Date())

            // Then
            #expect(try await journal.task(arn: arn)?.containers == containers)
            let listed = try await journal.tasks(cluster: nil, status: nil, limit: 100, after: nil)
            #expect(listed.first { $0.taskArn == arn }?.containers == containers)
        }
    }

    /// Tasks can be listed by cluster and status, with keyset pagination.
    @Test(arguments: JournalBackendUnderTest.all)
    func tasks_whenFilteredAndPaged_returnsMatchingInArnOrder(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arns = (0..<5).map { "arn:aws:ecs:us-east-1:1:task/mesh/\($0)" }
            let events = arns.enumerated().map { index, arn in
                JournalFixtures.event(arn: arn, version: 1, status: index.isMultiple(of: 2) ? .running : .stopped)
            }
            _ = try await journal.append(events, receivedAt: Date())

            // When
            let running = try await journal.tasks(cluster: nil, status: "RUNNING", limit: 100, after: nil)
            let firstPage = try await journal.tasks(cluster: JournalFixtures.cluster, status: nil, limit: 2, after: nil)
            let secondPage = try await journal.tasks(cluster: JournalFixtures.cluster, status: nil, limit: 2,
                                                     after: firstPage.last?.taskArn)
            let otherCluster = try await journal.tasks(cluster: "arn:aws:ecs:us-east-1:1:cluster/other", status: nil,
                                                       limit: 100, after: nil)

            // Then
            #expect(running.map(\.taskArn) == [arns[0], arns[2], arns[4]])
            #expect(firstPage.map(\.taskArn) == [arns[0], arns[1]])
            #expect(secondPage.map(\.taskArn) == [arns[2], arns[3]])
            #expect(otherCluster.isEmpty)
        }
    }

    /// The journal tail pages by sequence; a task's entries are its newest rows, oldest first.
    @Test(arguments: JournalBackendUnderTest.all)
    func entries_whenPaged_returnsRowsAfterSequence(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let events = (1...6).map { JournalFixtures.event(arn: arn, version: Int64($0)) }
            _ = try await journal.append(events, receivedAt: Date())

            // When
            let tail = try await journal.entries(after: 4, limit: 10)
            let newest = try await journal.entries(forTask: arn, limit: 2)

            // Then
            #expect(tail.map(\.sequence) == [5, 6])
            #expect(newest.map(\.version) == [5, 6])
            #expect(try await journal.entries(forTask: "arn:unknown", limit: 5).isEmpty)
        }
    }

    /// An empty append is a no-op that does not touch the writer.
    @Test(arguments: JournalBackendUnderTest.all)
    func append_whenEmpty_returnsNothing(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // When
            let results = try await journal.append([], receivedAt: Date())

            // Then
            #expect(results.isEmpty)
            #expect(journal.statistics.batches == 0)
            #expect(try await journal.lastSequence() == 0)
        }
    }

    /// Observations fold like events (ordered by version) and label their rows with their source.
    @Test(arguments: JournalBackendUnderTest.all)
    func observe_whenNewerAndOlderThanJournal_foldsByVersionAndLabelsRows(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given a task the journal knows at version 5
            let arn = JournalFixtures.taskArn()
            _ = try await journal.append([JournalFixtures.event(arn: arn, version: 5)], receivedAt: Date())
            let unseen = JournalFixtures.taskArn("unseen")

            // When resync observes it at an older version, and a task no event announced
            let results = try await journal.observe(
                [JournalFixtures.event(arn: arn, version: 4, status: .stopped).change,
                 JournalFixtures.event(arn: unseen, version: 2).change],
                observedAt: Date())

            // Then
            #expect(results.map(\.outcome) == [.stale, .applied])
            #expect(try await journal.task(arn: arn)?.version == 5)
            #expect(try await journal.task(arn: unseen)?.lastStatus == .running)
            #expect(try await journal.workItem(key: "task:\(unseen)")?.state == .pending)
            for result in results {
                #expect(try await journal.source(ofSequence: result.sequence) == JournalDefaults.resyncSource)
            }
            #expect(try await journal.source(ofSequence: 1) == "event")
            #expect(try await journal.source(ofSequence: 999) == nil)
        }
    }

    /// The completion form journals exactly like the awaited one, and hands its results over once,
    /// after the commit: the task's state is readable when the completion runs.
    @Test(arguments: JournalBackendUnderTest.all)
    func appendWithCompletion_whenApplied_completesOnceAfterTheCommit(_ backend: JournalBackendUnderTest) async throws {
        try await backend.withJournal { journal in
            // Given
            let arn = JournalFixtures.taskArn()
            let events = [JournalFixtures.event(arn: arn, version: 1, status: .pending),
                          JournalFixtures.event(arn: arn, version: 1, status: .pending)]

            // When
            let results = try await withCheckedThrowingContinuation { continuation in
                journal.append(events, receivedAt: Date()) { continuation.resume(with: $0) }
            }

            // Then
            #expect(results.map(\.outcome) == [.applied, .duplicate])
            #expect(results.map(\.taskArn) == [arn, arn])
            #expect(try await journal.task(arn: arn)?.version == 1)
            #expect(try await journal.workItem(key: "task:\(arn)")?.state == .pending)
        }
    }
}
