import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Synchronization
import Testing
@testable import Controller

/// ``TaskDescribeAhead`` and the queue's ``WorkLookahead`` hook.
struct TaskDescribeAheadTests {
    /// Only a task the journal knows without metadata is described; a described task, an unknown
    /// task and a service key cost no DescribeTasks.
    @Test func describe_whenSomeTasksHaveMetadata_describesOnlyTheOthers() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let ecs = WorkerFakeECS()
        let fresh = WorkerSample.arn("fresh"), known = WorkerSample.arn("known")  // the journal is this test's own
        try await WorkerSample.append(journal, taskID: "fresh", version: 1)
        try await WorkerSample.append(journal, taskID: "known", version: 1)
        try await journal.upsertTaskMeta(TaskMeta(taskArn: known, mesh: true, serviceName: "web", describedAt: Date()),
                                         fence: nil)
        let ahead = TaskDescribeAhead(journal: journal, tasks: ecs)
        // When
        await ahead.describe([fresh, known, WorkerSample.arn("never-seen")])
        // Then
        #expect(await ecs.described == [fresh])
    }

    /// The queue tells its lookahead of keys scheduled by ingest and by enqueue, before their attempts.
    @Test func queue_whenKeysScheduled_tellsLookahead() async throws {
        // Given
        let lookahead = RecordingLookahead()
        let store = WorkTestStore()
        let queue = WorkQueue(store: store, reconciler: WorkTestReconciler(), lookahead: lookahead, logger: workTestLogger)
        let run = Task { try await queue.run() }
        #expect(await eventually { await queue.isRunning })
        // When
        try await store.markWork(["task:b"])
        await queue.scheduleMarked(["task:b"])
        try await queue.enqueue(["task:c"])
        // Then
        #expect(lookahead.keys == ["task:b", "task:c"])
        run.cancel()
        try await run.value
    }
}

/// Records every key it is told of.
final class RecordingLookahead: WorkLookahead {
    private let seen = Mutex<[String]>([])

    var keys: [String] { seen.withLock { $0 } }

    func upcoming(_ keys: [String]) { seen.withLock { $0 += keys } }
}
