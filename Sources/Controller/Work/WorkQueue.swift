public import Foundation
import Journal
public import Logging
public import ServiceLifecycle

/// Runs a ``Reconciler`` for durable work keys: deduplicated, one attempt in flight per key, bounded
/// concurrency, retries with exponential backoff and full jitter, parking after too many failures.
///
/// Level-triggered like client-go's workqueue (DESIGN principle 2): a key says *what* to converge,
/// the reconciler reads the current desired state. Keys are marked in the ``WorkStore`` before they
/// are scheduled, so a crash loses none; ``run()`` first resumes what the store holds.
///
/// ```swift
/// let queue = WorkQueue(store: journalWorkStore, reconciler: registrationWorker, logger: logger)
/// let group = ServiceGroup(services: [queue, httpServer], logger: logger)
/// try await queue.enqueue(["task:\(taskArn)"])   // from the event ingest path
/// ```
///
/// Thread affinity: an actor. The reconciler runs off the actor, so slow reconciles never block
/// ``enqueue(_:)``.
public actor WorkQueue: Service {
    /// Tunables of the queue.
    public struct Configuration: Sendable, Equatable {
        public static let defaultConcurrency = 8
        public static let defaultMaxAttempts = 10
        public static let defaultBatchLimit = 10_000

        /// Most keys attempted at once.
        public var concurrency: Int
        /// Attempts per key before it is parked as failed.
        public var maxAttempts: Int
        /// Delay between attempts of one key.
        public var backoff: RetryBackoff
        /// Most keys read from the store at once (on start, and by ``WorkQueue/retryAllFailed()``).
        public var batchLimit: Int

        public init(
            concurrency: Int = Configuration.defaultConcurrency,
            maxAttempts: Int = Configuration.defaultMaxAttempts,
            backoff: RetryBackoff = RetryBackoff(),
            batchLimit: Int = Configuration.defaultBatchLimit
        ) {
            self.concurrency = max(1, concurrency)
            self.maxAttempts = max(1, maxAttempts)
            self.backoff = backoff
            self.batchLimit = max(1, batchLimit)
        }
    }

    private enum Lifecycle { case idle, running, stopping, stopped }

    let store: any WorkStore
    let reconciler: any Reconciler
    let configuration: Configuration
    let clock: WorkClock
    let wallClock: @Sendable () -> Date
    let logger: Logger
    var random: WorkQueueRandomSource

    var schedule = WorkSchedule()
    var counters = WorkQueueStatistics()
    /// Consecutive store failures when starting attempts; sets the backoff of those retries.
    var storeFailureStreak = 0
    private var lifecycle = Lifecycle.idle
    private var wakeup: CheckedContinuation<Void, Never>?
    private var wakeupPending = false
    private var timer: (deadline: Duration, task: Task<Void, Never>)?

    /// - Parameters:
    ///   - store: Where keys are marked and attempts recorded.
    ///   - reconciler: Converges one key.
    ///   - configuration: Concurrency, attempts, backoff.
    ///   - clock: Times backoff waits (inject a test clock in tests).
    ///   - wallClock: Gives the `notBefore` dates written to the store.
    ///   - randomNumberGenerator: Source of the backoff jitter.
    ///   - logger: Base logger; each attempt adds `mesh.work.key` and `mesh.work.attempt`.
    public init(
        store: any WorkStore,
        reconciler: any Reconciler,
        configuration: Configuration = Configuration(),
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Date = { Date() },
        randomNumberGenerator: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        logger: Logger
    ) {
        self.store = store
        self.reconciler = reconciler
        self.configuration = configuration
        self.clock = WorkClock(clock)
        self.wallClock = wallClock
        self.random = WorkQueueRandomSource(base: randomNumberGenerator)
        self.logger = logger
    }

    /// Durably marks `keys` as needing work, then schedules them.
    ///
    /// A key already queued is not queued twice; a running key runs once more after its current
    /// attempt; a key backing off runs at once; a parked key wakes with a fresh attempt budget.
    /// - Throws: The store's error; then nothing was scheduled and the caller must not acknowledge.
    public func enqueue(_ keys: [String]) async throws {
        var seen: Set<String> = []
        let keys = keys.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !keys.isEmpty else { return }
        try await store.markWork(keys)
        for key in keys {
            _ = schedule.mark(key)
        }
        wake()
    }

    /// Runs `key` again now, whatever its state (the admin API's retry).
    public func retry(key: String) async throws {
        try await enqueue([key])
    }

    /// Wakes every parked key (up to ``Configuration/batchLimit``).
    /// - Returns: How many keys were woken.
    @discardableResult
    public func retryAllFailed() async throws -> Int {
        let failed = try await store.failedWork(limit: configuration.batchLimit)
        try await enqueue(failed.map(\.key))
        return failed.count
    }

    /// Current counters and queue sizes.
    public func statistics() -> WorkQueueStatistics {
        var snapshot = counters
        (snapshot.ready, snapshot.running, snapshot.waiting) = schedule.counts
        return snapshot
    }

    /// Resumes the store's pending and running keys, then dispatches until graceful shutdown or
    /// cancellation. Attempts in flight are awaited before it returns (on cancellation they see
    /// their task cancelled); keys not yet attempted stay pending in the store for the next start.
    /// - Throws: ``WorkQueueError/alreadyStarted``, or the store's error when resuming fails.
    public func run() async throws {
        guard case .idle = lifecycle else { throw WorkQueueError.alreadyStarted }
        lifecycle = .running
        defer {
            lifecycle = .stopped
            timer?.task.cancel()
            timer = nil
        }
        try await resumeFromStore()
        logger.info("Work queue started", metadata: ["mesh.work.resumed": "\(schedule.phases.count)"])
        await withGracefulShutdownHandler {
            await dispatchUntilStopped()
        } onGracefulShutdown: {
            Task { await self.beginShutdown() }
        }
        logger.info("Work queue stopped")
    }

    private func resumeFromStore() async throws {
        let items = try await store.pendingWork(limit: configuration.batchLimit)
        let wallNow = wallClock()
        let now = clock.now()
        for item in items {
            let remaining = item.notBefore.map { $0.timeIntervalSince(wallNow) } ?? 0
            schedule.resume(item.key, notBefore: remaining > 0 ? now + .seconds(remaining) : nil)
        }
    }

    private func dispatchUntilStopped() async {
        await withDiscardingTaskGroup { group in
            while case .running = lifecycle, !Task.isCancelled {
                schedule.promoteDue(now: clock.now())
                while let key = schedule.next(concurrency: configuration.concurrency) {
                    group.addTask { await self.attempt(key) }
                }
                armTimer()
                await waitForWakeup()
            }
        }
    }

    private func beginShutdown() {
        if case .running = lifecycle { lifecycle = .stopping }
        wake()
    }

    /// Wakes the dispatcher (new keys, a finished attempt, a due backoff, shutdown).
    func wake() {
        if let wakeup {
            self.wakeup = nil
            wakeup.resume()
        } else {
            wakeupPending = true
        }
    }

    private func waitForWakeup() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if wakeupPending || Task.isCancelled {
                    wakeupPending = false
                    continuation.resume()
                } else {
                    wakeup = continuation
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
    }

    /// Keeps one sleeping task for the earliest backoff deadline.
    private func armTimer() {
        guard let deadline = schedule.nextDeadline() else {
            timer?.task.cancel()
            timer = nil
            return
        }
        if let timer, timer.deadline == deadline { return }
        timer?.task.cancel()
        let clock = self.clock
        timer = (deadline, Task {
            do { try await clock.sleep(until: deadline) } catch { return }
            self.wake()
        })
    }
}
