public import Backoff
public import Foundation
import Journal
public import Logging
public import ServiceLifecycle

/// Runs a ``Reconciler`` for durable work keys: deduplicated, one attempt in flight per key, bounded
/// concurrency, retries with exponential backoff and full jitter.
///
/// Every failure has a class (``ErrorClass``): a transient one (Consul or AWS down, slow, throttling)
/// is retried with the capped backoff for as long as it lasts and never parks the key; a permanent
/// one (validation, AccessDenied, unusable tags) parks the key at once with its reason. Nothing stays
/// parked forever: a newer mark of the key (an event, resync, an operator's retry), a configuration
/// change (see ``retryAllFailed()``) and a periodic re-check wake it.
///
/// Level-triggered like client-go's workqueue (DESIGN principle 2): a key says *what* to converge,
/// the reconciler reads the current desired state. Keys are marked in the ``WorkStore`` before they
/// are scheduled, so a crash loses none; ``run()`` first resumes every key the store holds pending,
/// page by page, and a periodic rescan schedules any pending key the schedule does not hold.
///
/// The reconciler never holds the queue: it answers what follows (``ReconcileResult``): keys it
/// made due, which the queue marks and schedules, and a time to run the key again, which the queue
/// keeps. So the queue is built after its reconciler, and nothing points back.
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
        /// A permanent failure parks its key at once.
        public static let defaultMaxAttempts = 1
        public static let defaultBatchLimit = 10_000
        /// Parked keys are woken every ten minutes.
        public static let defaultParkedRecheckInterval = Duration.seconds(600)
        /// The store is rescanned for unscheduled pending keys every minute.
        public static let defaultRescanInterval = Duration.seconds(60)
        /// Default ``backoff``: 200 ms for the first retry, at most 30 s.
        public static let defaultBackoff = FullJitterBackoff(base: .milliseconds(200), cap: .seconds(30))

        /// Most keys attempted at once.
        public var concurrency: Int
        /// Failed attempts (since the key last succeeded or was woken) after which a *permanent*
        /// failure parks the key; 1 parks it at once. Transient failures never park.
        public var maxAttempts: Int
        /// Delay between attempts of one key.
        public var backoff: FullJitterBackoff
        /// Most keys read from the store per page (resume, rescan, re-check).
        public var batchLimit: Int
        /// How often every parked key is woken; `nil` never (tests).
        public var parkedRecheckInterval: Duration?
        /// How often the store is rescanned for pending keys the schedule does not hold; `nil` never.
        public var rescanInterval: Duration?

        public init(
            concurrency: Int = Configuration.defaultConcurrency,
            maxAttempts: Int = Configuration.defaultMaxAttempts,
            backoff: FullJitterBackoff = Configuration.defaultBackoff,
            batchLimit: Int = Configuration.defaultBatchLimit,
            parkedRecheckInterval: Duration? = Configuration.defaultParkedRecheckInterval,
            rescanInterval: Duration? = Configuration.defaultRescanInterval
        ) {
            self.concurrency = max(1, concurrency)
            self.maxAttempts = max(1, maxAttempts)
            self.backoff = backoff
            self.batchLimit = max(1, batchLimit)
            self.parkedRecheckInterval = parkedRecheckInterval
            self.rescanInterval = rescanInterval
        }
    }

    private enum Lifecycle { case idle, running, stopping, stopped }

    let store: any WorkStore
    let reconciler: any Reconciler
    let configuration: Configuration
    let clock: WorkClock
    let wallClock: @Sendable () -> Date
    let logger: Logger
    let observer: (any WorkQueueObserver)?
    let lookahead: (any WorkLookahead)?
    var random: WorkQueueRandomSource

    var schedule = WorkSchedule()
    var maintenance = WorkMaintenance(intervals: [:], now: .zero)
    var counters = WorkQueueStatistics()
    /// Keys to run again at a set time (``ReconcileResult/notBefore``).
    var rechecks = WorkRechecks()
    /// Keys a converged key made due that the store could not mark yet, by that key.
    var unmarkedFollowUps: [String: [String]] = [:]
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
    ///   - observer: Told of every failed attempt's class and outcome (metrics).
    ///   - lookahead: Told of the keys scheduled, before a worker takes them.
    ///   - logger: Base logger; each attempt adds `mesh.work.key` and `mesh.work.attempt`.
    public init(
        store: any WorkStore,
        reconciler: any Reconciler,
        configuration: Configuration = Configuration(),
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Date = { Date() },
        randomNumberGenerator: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        observer: (any WorkQueueObserver)? = nil,
        lookahead: (any WorkLookahead)? = nil,
        logger: Logger
    ) {
        self.store = store
        self.reconciler = reconciler
        self.configuration = configuration
        self.clock = WorkClock(clock)
        self.wallClock = wallClock
        self.random = WorkQueueRandomSource(base: randomNumberGenerator)
        self.observer = observer
        self.lookahead = lookahead
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
        // Not running (a follower, or before the first term): the key waits in the store, and the
        // next run resumes it with every other pending key.
        guard isRunning else { return }
        for key in keys {
            _ = schedule.mark(key)
        }
        lookahead?.upcoming(keys)
        wake()
    }

    /// Whether ``run()`` is dispatching (this replica leads and the queue has started).
    var isRunning: Bool {
        if case .running = lifecycle { return true }
        return false
    }

    /// Runs `key` again now, whatever its state (the admin API's retry).
    public func retry(key: String) async throws {
        try await enqueue([key])
    }


    /// Current counters and queue sizes.
    public func statistics() -> WorkQueueStatistics {
        var snapshot = counters
        (snapshot.ready, snapshot.running, snapshot.waiting) = schedule.counts
        return snapshot
    }

    /// Resumes every pending and running key of the store, then dispatches until graceful shutdown or
    /// cancellation; the rescan and the parked re-check run periodically meanwhile. Attempts in flight are awaited before it returns (on cancellation they see
    /// their task cancelled); keys not yet attempted stay pending in the store for the next start.
    ///
    /// May run again after it returned (a replica's next term as leader): it starts from the store,
    /// with an empty schedule.
    /// - Throws: ``WorkQueueError/alreadyStarted`` while another run is in progress, or the store's
    ///   error when resuming fails.
    public func run() async throws {
        switch lifecycle {
        case .idle, .stopped: break
        case .running, .stopping: throw WorkQueueError.alreadyStarted
        }
        lifecycle = .running
        schedule = WorkSchedule()
        wakeupPending = false
        storeFailureStreak = 0
        defer {
            lifecycle = .stopped
            timer?.task.cancel()
            timer = nil
        }
        let resumed = try await scheduleStoredPending()
        maintenance = WorkMaintenance(intervals: maintenanceIntervals, now: clock.now())
        logger.info("Work queue started", metadata: [
            "mesh.work.resumed": "\(resumed)", "mesh.work.scheduled": "\(schedule.phases.count)",
        ])
        await withGracefulShutdownHandler {
            await dispatchUntilStopped()
        } onGracefulShutdown: {
            Task { await self.beginShutdown() }
        }
        logger.info("Work queue stopped")
    }

    private func dispatchUntilStopped() async {
        await withDiscardingTaskGroup { group in
            while case .running = lifecycle, !Task.isCancelled {
                let now = clock.now()
                schedule.promoteDue(now: now)
                let due = rechecks.takeDue(now: now)
                if !due.isEmpty {
                    group.addTask { await self.recheck(due) }
                }
                for job in maintenance.startDue(now: now) {
                    group.addTask { await self.perform(job) }
                }
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

    /// Keeps one sleeping task for the earliest backoff, re-check or maintenance deadline.
    private func armTimer() {
        let deadlines = [schedule.nextDeadline(), rechecks.nextDeadline, maintenance.nextDeadline].compactMap { $0 }
        guard let deadline = deadlines.min() else {
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
