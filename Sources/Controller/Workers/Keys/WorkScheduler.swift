import Synchronization

/// Hands keys that are already durable in the journal to the in-memory queue.
///
/// The journal marks `task:<arn>` in the same transaction as the event (DESIGN principle 1), so the
/// ingest path must not write the key again; it only tells the queue to run it now instead of at the
/// next start. ``WorkQueue`` conforms.
public protocol WorkScheduler: Sendable {
    /// Schedules `keys`, which the store already marked pending. Never writes to the store.
    func scheduleMarked(_ keys: [String]) async
}

/// Marks keys durably and schedules them: what a worker uses to hand work to another worker.
public protocol WorkEnqueuing: Sendable {
    /// Durably marks `keys` pending, then schedules them.
    /// - Throws: The store's error; then nothing was scheduled.
    func enqueue(_ keys: [String]) async throws
}

extension WorkQueue: WorkScheduler, WorkEnqueuing {
    /// Schedules keys the journal marked in the event's own transaction.
    ///
    /// Same in-memory effect as ``enqueue(_:)`` (dedup while queued, rerun after a running attempt,
    /// a backing-off key runs now) without the second durable write.
    public func scheduleMarked(_ keys: [String]) async {
        var marked = false
        for key in keys where !key.isEmpty {
            _ = schedule.mark(key)
            marked = true
        }
        if marked { wake() }
    }
}

/// Breaks the construction cycle between the queue and its reconcilers: reconcilers enqueue through
/// this box, which is pointed at the queue once the queue exists.
///
/// Thread-safe (a `Mutex`); enqueueing before ``bind(_:)`` throws, which cannot happen in the wired
/// app because the queue is bound before it runs.
public final class WorkQueueLink: WorkEnqueuing, WorkScheduler {
    private let target = Mutex<(any WorkEnqueuing & WorkScheduler)?>(nil)

    public init() {}

    /// Points the link at the queue.
    public func bind(_ queue: any WorkEnqueuing & WorkScheduler) {
        target.withLock { $0 = queue }
    }

    public func enqueue(_ keys: [String]) async throws {
        guard let queue = target.withLock({ $0 }) else {
            throw WorkerError.notConfigured.with("work queue not bound yet")
        }
        try await queue.enqueue(keys)
    }

    public func scheduleMarked(_ keys: [String]) async {
        await target.withLock({ $0 })?.scheduleMarked(keys)
    }
}
