import Backoff
import Controller
import ErrorClassification
import Foundation
import Journal
import MeshTestSupport
import ServiceLifecycle
import Testing

/// ``WorkQueue``: dedupe, one attempt per key, bounded concurrency, retries, parking, resume.
struct WorkQueueTests {
    static let fastBackoff = FullJitterBackoff(base: .milliseconds(1), cap: .milliseconds(2))

    /// A queue over test doubles; the periodic rescan and parked re-check are off unless asked for.
    static func makeQueue(
        store: WorkTestStore = WorkTestStore(), reconciler: WorkTestReconciler,
        concurrency: Int = 8, maxAttempts: Int = 1, backoff: FullJitterBackoff = fastBackoff, batchLimit: Int = 10_000,
        parkedRecheck: Duration? = nil, rescan: Duration? = nil,
        clock: any Clock<Duration> = ContinuousClock(),
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        wallClock: @escaping @Sendable () -> Date = { Date() },
        observer: (any WorkQueueObserver)? = nil
    ) -> WorkQueue {
        WorkQueue(
            store: store, reconciler: reconciler,
            configuration: .init(concurrency: concurrency, maxAttempts: maxAttempts, backoff: backoff,
                                 batchLimit: batchLimit, parkedRecheckInterval: parkedRecheck, rescanInterval: rescan),
            clock: clock, wallClock: wallClock, randomNumberGenerator: random, observer: observer,
            logger: workTestLogger
        )
    }

    static func start(_ queue: WorkQueue) -> Task<Void, any Error> {
        Task { try await queue.run() }
    }

    static func stop(_ run: Task<Void, any Error>) async throws {
        run.cancel()
        try await run.value
    }

    /// A key enqueued twice while queued is worked once.
    @Test func enqueue_whenKeyAlreadyQueued_runsOnce() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        try await queue.enqueue(["task:a", "task:a"])
        try await queue.enqueue(["task:a"])
        // When
        let run = Self.start(queue)
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
        // Then
        #expect(reconciler.calls(for: "task:a").count == 1)
        #expect(await store.item("task:a")?.generation == 2)
    }

    /// A key marked while its attempt runs is run once more afterwards, never concurrently.
    @Test func enqueue_whenKeyRunning_rerunsOnceAfterwardsNotConcurrently() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler(holding: true)
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { reconciler.heldCount == 1 })
        // When
        try await queue.enqueue(["task:a"])
        try await queue.enqueue(["task:a"])
        reconciler.setHolding(false)
        reconciler.releaseAll()
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
        #expect(reconciler.calls(for: "task:a").count == 2)
        #expect(reconciler.maxInFlightPerKey == 1)
    }

    /// Many keys never run more than `concurrency` at once, and all of them run.
    @Test func run_whenManyKeys_neverExceedsConcurrency() async throws {
        // Given
        let reconciler = WorkTestReconciler(holding: true)
        let queue = Self.makeQueue(reconciler: reconciler, concurrency: 3)
        let keys = (0..<10).map { "task:\($0)" }
        let run = Self.start(queue)
        // When
        try await queue.enqueue(keys)
        for expected in [3, 3, 3, 1] {
            #expect(await eventually { reconciler.heldCount == expected })
            #expect(reconciler.maxInFlight <= 3)
            reconciler.releaseAll()
        }
        // Then
        #expect(await eventually { reconciler.completed == 10 })
        try await Self.stop(run)
        #expect(reconciler.maxInFlight == 3)
        #expect(Set(reconciler.calls.map(\.key)) == Set(keys))
    }

    /// A failing key is retried and settles when an attempt succeeds.
    @Test func run_whenAttemptsFailThenSucceed_retriesAndSettles() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.fail("consul down"), .fail("consul down"), .succeed])
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let run = Self.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
        #expect(reconciler.calls(for: "task:a").map(\.attempt) == ["1", "2", "3"])
        #expect(await store.item("task:a")?.attempts == 0)
        #expect(await queue.statistics().failures == 2)
    }

    /// With `maxAttempts` 3, a key failing permanently is parked after its third failure, with its
    /// last error, that error's class and the attempt count.
    @Test func run_whenEveryAttemptFailsPermanently_parksAfterMaxAttemptsWithLastError() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.failPermanent("e1"), .failPermanent("e2"), .failPermanent("e3"), .succeed])
        let queue = Self.makeQueue(store: store, reconciler: reconciler, maxAttempts: 3)
        let run = Self.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .failed })
        let statistics = await queue.statistics()
        try await Self.stop(run)
        let item = try #require(await store.item("task:a"))
        #expect(item.attempts == 3)
        #expect(item.lastError == "e3")
        #expect(item.lastErrorClass == .permanent)
        #expect(reconciler.calls(for: "task:a").count == 3)
        #expect(statistics.parked == 1)
        #expect(statistics.waiting == 0 && statistics.ready == 0)
    }

    /// A newer enqueue wakes a parked key with a fresh attempt budget.
    @Test func enqueue_whenKeyParked_wakesWithAttemptsReset() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.failPermanent("e1"), .failPermanent("e2")])
        let queue = Self.makeQueue(store: store, reconciler: reconciler, maxAttempts: 2)
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { await store.item("task:a")?.state == .failed })
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
        #expect(reconciler.calls(for: "task:a").map(\.attempt) == ["1", "2", "1"])
    }

    /// `retry(key:)` and `retryAllFailed()` run parked keys again.
    @Test func retry_whenKeysParked_runsThemAgain() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler(defaultStep: .failPermanent("nope"))
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let run = Self.start(queue)
        try await queue.enqueue(["task:a", "task:b", "task:c"])
        #expect(await eventually { (try? await store.failedWork(limit: 10, after: nil))?.count == 3 })
        reconciler.setDefault(.succeed)
        // When
        try await queue.retry(key: "task:a")
        #expect(await eventually { await store.item("task:a")?.state == .done })
        let woken = try await queue.retryAllFailed()
        // Then
        #expect(woken == 2)
        #expect(await eventually {
            let b = await store.item("task:b")?.state, c = await store.item("task:c")?.state
            return b == .done && c == .done
        })
        try await Self.stop(run)
        #expect(reconciler.calls.count == 6)
    }

    /// On start the queue resumes pending and running keys from the store, not done or parked ones.
    @Test func run_whenStoreHoldsPendingKeys_resumesThem() async throws {
        // Given
        let now = Date()
        let store = WorkTestStore([
            WorkItem(key: "task:pending", state: .pending, generation: 3, updatedAt: now),
            WorkItem(key: "task:running", state: .running, generation: 1, attempts: 2, updatedAt: now),
            WorkItem(key: "task:failed", state: .failed, generation: 1, attempts: 10, updatedAt: now),
            WorkItem(key: "task:done", state: .done, generation: 1, updatedAt: now),
        ])
        let reconciler = WorkTestReconciler()
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        // When
        let run = Self.start(queue)
        // Then
        #expect(await eventually {
            let pending = await store.item("task:pending")?.state, running = await store.item("task:running")?.state
            return pending == .done && running == .done
        })
        try await Self.stop(run)
        #expect(Set(reconciler.calls.map(\.key)) == ["task:pending", "task:running"])
        #expect(reconciler.calls(for: "task:running").first?.attempt == "3")
    }

    /// Each attempt's logger carries the key and the attempt number.
    @Test func run_whenAttempting_loggerCarriesKeyAndAttempt() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("service:apps/web", [.fail("x")])
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let run = Self.start(queue)
        // When
        try await queue.enqueue(["service:apps/web"])
        // Then
        #expect(await eventually { await store.item("service:apps/web")?.state == .done })
        try await Self.stop(run)
        #expect(reconciler.calls == [
            .init(key: "service:apps/web", attempt: "1", loggedKey: "service:apps/web"),
            .init(key: "service:apps/web", attempt: "2", loggedKey: "service:apps/web"),
        ])
    }

    /// A failed attempt waits its backoff on the injected clock and records `notBefore`.
    @Test func run_whenAttemptFails_waitsBackoffOnClock() async throws {
        // Given
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let wallNow = Date(timeIntervalSince1970: 1_700_000_000)
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.fail("down"), .fail("down")])
        let queue = Self.makeQueue(
            store: store, reconciler: reconciler, backoff: WorkQueue.Configuration.defaultBackoff, clock: clock,
            random: FixedRandom(value: .max), wallClock: { wallNow }
        )
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        // When: the first failure waits the full ceiling, 200 ms
        #expect(await eventually { clock.sleeperDeadlines == [.milliseconds(200)] })
        clock.advance(by: .milliseconds(199))
        // Then
        #expect(reconciler.calls.count == 1)
        #expect(clock.sleeperDeadlines == [.milliseconds(200)])
        #expect(await store.recorded.first?.notBefore == wallNow.addingTimeInterval(0.2))
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { reconciler.calls.count == 2 })
        // And the second failure waits twice as long (400 ms after the retry)
        #expect(await eventually { clock.sleeperDeadlines == [.milliseconds(600)] })
        clock.advance(by: .milliseconds(400))
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
    }

    /// A newer enqueue of a key that is backing off runs it at once.
    @Test func enqueue_whenKeyBackingOff_runsAtOnce() async throws {
        // Given
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.fail("down")])
        let queue = Self.makeQueue(store: store, reconciler: reconciler, backoff: WorkQueue.Configuration.defaultBackoff, clock: clock)
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { clock.sleeperDeadlines.count == 1 })
        // When
        try await queue.enqueue(["task:a"])
        // Then: no clock advance needed
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(run)
        #expect(reconciler.calls.map(\.attempt) == ["1", "2"])
    }

    /// If marking fails nothing is scheduled and the caller gets the error.
    @Test func enqueue_whenStoreFails_throwsAndSchedulesNothing() async throws {
        // Given
        let store = WorkTestStore()
        await store.setMarkError(WorkTestError(description: "disk full"))
        let reconciler = WorkTestReconciler()
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        // When / Then
        await #expect(throws: WorkTestError.self) { try await queue.enqueue(["task:a"]) }
        #expect(await queue.statistics().ready == 0)
    }

    /// Graceful shutdown lets the attempt in flight finish, then `run()` returns.
    @Test func run_whenGracefulShutdown_finishesInFlightAttemptAndReturns() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler(holding: true)
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let group = ServiceGroup(services: [queue], logger: workTestLogger)
        let run = Task { try await group.run() }
        try await queue.enqueue(["task:a"])
        #expect(await eventually { reconciler.heldCount == 1 })
        // When
        await group.triggerGracefulShutdown()
        reconciler.releaseAll()
        try await run.value
        // Then
        #expect(await store.item("task:a")?.state == .done)
        #expect(reconciler.cancelledCalls == 0)
        #expect(reconciler.calls.map(\.key) == ["task:a"])
    }

    /// Cancellation cancels the attempt in flight and leaves its key for the next start.
    @Test func run_whenCancelled_leavesInterruptedKeyForNextStart() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler(holding: true)
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { reconciler.heldCount == 1 })
        // When
        try await Self.stop(run)
        // Then
        #expect(reconciler.cancelledCalls == 1)
        #expect(await store.item("task:a")?.state == .pending, "an attempt writes nothing before its outcome")
        #expect(try await store.pendingWork(limit: 10, after: nil).map(\.key) == ["task:a"])
    }

    /// A queue that stopped (a replica's term ended) runs again from the store: keys enqueued while
    /// it stood still are durable but not scheduled, and the next run works them.
    @Test func run_whenRunAgainAfterStop_worksKeysEnqueuedWhileStopped() async throws {
        // Given: a first term that worked task:a, then stopped
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        let queue = Self.makeQueue(store: store, reconciler: reconciler)
        let first = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await Self.stop(first)
        // When: a key arrives while stopped, then the queue runs again
        try await queue.enqueue(["task:b"])
        await queue.scheduleMarked(["task:b"])
        #expect(await store.item("task:b")?.state == .pending)
        #expect(await queue.statistics().ready == 0)
        let second = Self.start(queue)
        // Then
        #expect(await eventually { await store.item("task:b")?.state == .done })
        try await Self.stop(second)
    }

    /// `run()` may not run twice at once.
    @Test func run_whenCalledTwice_throwsAlreadyStarted() async throws {
        // Given
        let store = WorkTestStore()
        let queue = Self.makeQueue(store: store, reconciler: WorkTestReconciler())
        let run = Self.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { await store.item("task:a")?.state == .done })
        // When / Then
        await #expect(throws: WorkQueueError.alreadyStarted) { try await queue.run() }
        try await Self.stop(run)
    }
}
