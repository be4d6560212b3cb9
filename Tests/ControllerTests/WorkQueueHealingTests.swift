import Backoff
import Controller
import ErrorClassification
import Foundation
import Journal
import MeshTestSupport
import Synchronization
import Testing

/// ``WorkQueue`` heals itself: transient failures retry forever, permanent ones park at once, parked
/// keys wake again, and every pending key of the store is worked however many there are.
struct WorkQueueHealingTests {
    /// A transient failure never parks its key, not after 100 attempts: each waits its capped
    /// backoff on the (test) clock and runs again, and the 101st attempt converges.
    @Test func run_whenTransientFailuresLast100Attempts_neverParksThenConverges() async throws {
        // Given a key that fails transiently 100 times, on a clock that moves only when told
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let failures = WorkFailureRecorder()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", Array(repeating: .failTransient("consul: connection refused"), count: 100))
        let queue = WorkQueueTests.makeQueue(
            store: store, reconciler: reconciler, maxAttempts: 1, backoff: WorkQueue.Configuration.defaultBackoff, clock: clock,
            random: FixedRandom(value: .max), observer: failures
        )
        let run = WorkQueueTests.start(queue)
        try await queue.enqueue(["task:a"])

        // When every backoff is waited out, one attempt after another
        for attempt in 1...100 {
            #expect(await eventually { clock.sleeperDeadlines.count == 1 && reconciler.calls.count == attempt })
            let item = try #require(await store.item("task:a"))
            #expect(item.state == .pending, "attempt \(attempt) must not park the key")
            #expect(item.attempts == attempt && item.lastErrorClass == .transient)
            clock.advance(by: WorkQueue.Configuration.defaultBackoff.cap)
        }

        // Then the key converges, and the queue counted 100 retries and no parking
        #expect(await eventually { await store.item("task:a")?.state == .done })
        let statistics = await queue.statistics()
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls.count == 101)
        #expect(statistics.parked == 0 && statistics.transientFailures == 100)
        #expect(failures.decisions.count == 100 && failures.decisions.allSatisfy { $0 == .init(.transient, parked: false) })
    }

    /// An error of no known class counts as transient: it is retried past the old limit of ten.
    @Test func run_whenUnclassifiedErrorsRepeat_retriesPastTheOldLimit() async throws {
        // Given
        let store = WorkTestStore()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", Array(repeating: .fail("something odd"), count: 15))
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler)
        let run = WorkQueueTests.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .done })
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls.count == 16)
        #expect(await queue.statistics().parked == 0)
    }

    /// A permanent failure parks the key at once, with its reason and class, and no retry is timed.
    @Test func run_whenFailureIsPermanent_parksAtOnce() async throws {
        // Given
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let failures = WorkFailureRecorder()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.failPermanent("AccessDeniedException: not allowed"), .succeed])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, clock: clock, observer: failures)
        let run = WorkQueueTests.start(queue)
        // When
        try await queue.enqueue(["task:a"])
        // Then
        #expect(await eventually { await store.item("task:a")?.state == .failed })
        let item = try #require(await store.item("task:a"))
        let statistics = await queue.statistics()
        try await WorkQueueTests.stop(run)
        #expect(item.attempts == 1 && item.notBefore == nil)
        #expect(item.lastError == "AccessDeniedException: not allowed" && item.lastErrorClass == .permanent)
        #expect(reconciler.calls.count == 1)
        #expect(statistics.parked == 1 && statistics.waiting == 0 && statistics.permanentFailures == 1)
        #expect(clock.sleeperDeadlines.isEmpty)
        #expect(failures.decisions == [.init(.permanent, parked: true)])
    }

    /// The periodic re-check wakes a parked key one interval later, not before.
    @Test func run_whenParkedRecheckIntervalPasses_wakesParkedKey() async throws {
        // Given a key parked by a permanent failure whose cause is then fixed
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let reconciler = WorkTestReconciler()
        reconciler.script("task:a", [.failPermanent("invalid tag")])
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, parkedRecheck: .seconds(600),
                                             clock: clock)
        let run = WorkQueueTests.start(queue)
        try await queue.enqueue(["task:a"])
        #expect(await eventually { await store.item("task:a")?.state == .failed })
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(600)] })

        // When the clock reaches the re-check
        clock.advance(by: .seconds(599))
        #expect(reconciler.calls.count == 1)
        clock.advance(by: .seconds(1))

        // Then the key runs again and converges, and the next re-check is timed
        #expect(await eventually { await store.item("task:a")?.state == .done })
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(1200)] })
        let statistics = await queue.statistics()
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls.count == 2)
        #expect(statistics.recheckedParked == 1)
    }

    /// `retryAllFailed()` wakes every parked key, page by page, past the page size.
    @Test func retryAllFailed_whenMorePagesThanBatchLimit_wakesEveryParkedKey() async throws {
        // Given 25 parked keys and pages of 10
        let now = Date()
        let store = WorkTestStore((0..<25).map {
            WorkItem(key: "task:\($0)", state: .failed, generation: 1, attempts: 1, lastError: "x",
                     lastErrorClass: .permanent, updatedAt: now)
        })
        let reconciler = WorkTestReconciler()
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, batchLimit: 10)
        // When
        let woken = try await queue.retryAllFailed()
        let run = WorkQueueTests.start(queue)
        // Then
        #expect(woken == 25)
        #expect(await eventually { reconciler.completed == 25 })
        try await WorkQueueTests.stop(run)
        #expect(try await store.failedWork(limit: 100, after: nil).isEmpty)
    }

    /// Start-up resumes every pending key of the store, over several pages, not only the first.
    @Test func run_whenStoreHoldsMoreKeysThanBatchLimit_resumesEveryPage() async throws {
        // Given 25 pending keys and pages of 10
        let now = Date()
        let store = WorkTestStore((0..<25).map {
            WorkItem(key: "task:\(String(format: "%02d", $0))", state: $0 % 5 == 0 ? .running : .pending,
                     generation: 1, updatedAt: now)
        })
        let reconciler = WorkTestReconciler()
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, batchLimit: 10)
        // When
        let run = WorkQueueTests.start(queue)
        // Then
        #expect(await eventually { reconciler.completed == 25 })
        try await WorkQueueTests.stop(run)
        #expect(Set(reconciler.calls.map(\.key)).count == 25)
        #expect(await store.pendingPages.prefix(3) == [10, 10, 5])
        #expect(try await store.pendingWork(limit: 100, after: nil).isEmpty)
    }

    /// The periodic rescan schedules a pending key of the store that the schedule does not hold.
    @Test func run_whenStoreHoldsKeyTheScheduleMissed_rescanWorksIt() async throws {
        // Given a running queue, and a key pending in the store that the queue was never told about
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let reconciler = WorkTestReconciler()
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, rescan: .seconds(60), clock: clock)
        let run = WorkQueueTests.start(queue)
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(60)] })
        await store.insert(WorkItem(key: "task:orphan", state: .pending, generation: 4, updatedAt: Date()))

        // When the rescan is due
        clock.advance(by: .seconds(59))
        #expect(reconciler.calls.isEmpty)
        clock.advance(by: .seconds(1))

        // Then the key is worked, and the rescan is timed again
        #expect(await eventually { await store.item("task:orphan")?.state == .done })
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(120)] })
        let statistics = await queue.statistics()
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls.map(\.key) == ["task:orphan"])
        #expect(statistics.rescued == 1)
    }

    /// A signal that keys were marked without saying which (``WorkScheduler/rescanMarked()``) runs
    /// the rescan at once, long before its period, and the period then counts from that run.
    @Test func rescanMarked_whenStoreHoldsKeyTheScheduleMissed_worksItWithoutWaitingForThePeriod() async throws {
        // Given a running queue whose rescan is an hour away, and a key pending in the store
        let store = WorkTestStore()
        let clock = WorkTestClock()
        let reconciler = WorkTestReconciler()
        let queue = WorkQueueTests.makeQueue(store: store, reconciler: reconciler, rescan: .seconds(3600), clock: clock)
        let run = WorkQueueTests.start(queue)
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(3600)] })
        await store.insert(WorkItem(key: "task:signalled", state: .pending, generation: 2, updatedAt: Date()))

        // When the journal signals marks of unknown keys
        await queue.rescanMarked()

        // Then the key is worked without the clock moving, and the next rescan is an hour later
        #expect(await eventually { await store.item("task:signalled")?.state == .done })
        #expect(await eventually { clock.sleeperDeadlines == [.seconds(3600)] })
        let statistics = await queue.statistics()
        try await WorkQueueTests.stop(run)
        #expect(reconciler.calls.map(\.key) == ["task:signalled"])
        #expect(statistics.rescued == 1)
    }
}

/// Records the queue's decisions on failed attempts (``WorkQueueObserver``).
final class WorkFailureRecorder: WorkQueueObserver {
    struct Decision: Equatable {
        var errorClass: ErrorClass
        var parked: Bool
        init(_ errorClass: ErrorClass, parked: Bool) {
            self.errorClass = errorClass
            self.parked = parked
        }
    }

    private let recorded = Mutex<[Decision]>([])

    var decisions: [Decision] { recorded.withLock { $0 } }

    func attemptFailed(key: String, errorClass: ErrorClass, parked: Bool) {
        recorded.withLock { $0.append(Decision(errorClass, parked: parked)) }
    }
}
