import Controller
import ErrorClassification
import Foundation
import Journal
import MeshTestSupport
import Testing

/// ``WorkQueue`` carrying out a converged key's ``ReconcileResult``: the keys it made due, and the
/// time to run it again.
struct WorkQueueFollowUpTests {
    /// Keys an answer names are marked in the store and run, and the key itself settles.
    @Test func attempt_whenAnswerNamesKeys_marksAndRunsThem() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.answer(.enqueue(["service:web"]))])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler)
        let run = WorkQueueTests.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then (both awaited: the follow-up can finish before task:a's own settle is recorded, and
        // stopping cancels the queue)
        #expect(await eventually {
            let web = await store.item("service:web")?.state
            let task = await store.item("task:a")?.state
            return web == .done && task == .done
        })
        try await WorkQueueTests.stop(run)
        #expect(await store.item("task:a")?.state == .done)
        #expect(reconciler.calls(for: "service:web").count == 1)
    }

    /// A failure that names keys gets them marked and run, and is recorded as its underlying error
    /// (here permanent, so the key parks).
    @Test func attempt_whenFailureNamesKeys_marksThemAndRecordsTheUnderlyingError() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.failNaming(["service:web"], "registration refused")])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler)
        let run = WorkQueueTests.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("service:web")?.state == .done })
        #expect(await eventually { await store.item("task:a")?.state == .failed })
        try await WorkQueueTests.stop(run)
        let parked = try #require(await store.item("task:a"))
        #expect(parked.lastError == "registration refused")
        #expect(parked.lastErrorClass == .permanent)
    }

    /// When the store cannot mark the keys an answer names, the attempt fails (transient) and the
    /// key's next attempt marks them, though that attempt names none itself.
    @Test func attempt_whenFollowUpsCannotBeMarked_failsAndMarksThemNextAttempt() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.answer(.enqueue(["service:web"]))])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler)
        try await queue.enqueue(["task:a"])
        await store.setMarkError(WorkTestError(description: "disk full"))
        let run = WorkQueueTests.start(queue)
        // When
        #expect(await eventually { await store.item("task:a")?.lastError?.contains("service:web") == true })
        let failed = try #require(await store.item("task:a"))
        #expect(failed.state == .pending)
        #expect(failed.lastErrorClass == .transient)
        await store.setMarkError(nil)
        // Then
        #expect(await eventually { await store.item("service:web")?.state == .done })
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls(for: "service:web").count == 1)
    }

    /// An answer with a time runs the key again then, marked afresh, without counting a failure.
    @Test func attempt_whenAnswerHasNotBefore_runsKeyAgainThenWithoutAFailure() async throws {
        // Given
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let wallNow = Date(timeIntervalSince1970: 1_700_000_000)
        let reconciler = WorkTestReconciler()
        reconciler.script("service:web", [.answer(.again(notBefore: wallNow.addingTimeInterval(60)))])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, clock: clock, wallClock: { wallNow })
        let run = WorkQueueTests.start(queue)
        try await queue.enqueue(["service:web"])
        // (both awaited: the re-check timer and the key's settle are two steps of the attempt)
        #expect(await eventually {
            let state = await store.item("service:web")?.state
            return state == .done && clock.sleeperDeadlines == [.seconds(60)]
        })
        let generation = try #require(await store.item("service:web")?.generation)
        // When
        clock.advance(by: .seconds(60))
        // Then
        #expect(await eventually { await store.recorded.count == 2 })
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls(for: "service:web").count == 2)
        #expect(await store.recorded.allSatisfy { $0.succeeded })
        let item = try #require(await store.item("service:web"))
        #expect(item.state == .done)
        #expect(item.attempts == 0)
        #expect(item.generation == generation + 1, "marked again before it ran")
    }

    /// A later answer without a time cancels the one set before.
    @Test func attempt_whenLaterAnswerHasNoTime_cancelsTheRecheck() async throws {
        // Given
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let wallNow = Date(timeIntervalSince1970: 1_700_000_000)
        let reconciler = WorkTestReconciler()
        reconciler.script("service:web", [.answer(.again(notBefore: wallNow.addingTimeInterval(60))), .succeed])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, clock: clock, wallClock: { wallNow })
        let run = WorkQueueTests.start(queue)
        try await queue.enqueue(["service:web"])
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(60)] })
        // When: an event marks the key again and its attempt answers `.done`
        try await queue.enqueue(["service:web"])
        // Then
        #expect(await eventually { clock.sleeperDeadlines.isEmpty && reconciler.calls(for: "service:web").count == 2 })
        #expect(await eventually { await store.recorded.count == 2 })
        try await WorkQueueTests.stop(run)
        #expect(await store.item("service:web")?.state == .done)
    }
}
