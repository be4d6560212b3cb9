/// Hands keys that are already durable in the journal to the in-memory queue.
///
/// The journal marks `task:<arn>` in the same transaction as the event (DESIGN principle 1), so the
/// ingest path must not write the key again; it only tells the queue to run it now instead of at the
/// next start. ``WorkQueue`` conforms.
public protocol WorkScheduler: Sendable {
    /// Schedules `keys`, which the store already marked pending. Never writes to the store.
    func scheduleMarked(_ keys: [String]) async

    /// Keys were marked, but which is not known (the journal's signal lost them): re-reads the
    /// store's pending keys soon. Never writes to the store.
    func rescanMarked() async
}

/// Marks keys durably and schedules them: what resync uses to hand work to the workers. (A worker
/// hands work on through its ``ReconcileResult``, never through the queue.)
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
        guard isRunning else { return }  // the store holds them for the next run
        var marked = false
        for key in keys where !key.isEmpty {
            _ = schedule.mark(key)
            marked = true
        }
        guard marked else { return }
        lookahead?.upcoming(keys)
        wake()
    }

    /// Schedules the store's pending keys that the schedule does not hold, through the rescan job
    /// (at once, or right after the rescan in progress).
    public func rescanMarked() async {
        guard isRunning else { return }
        maintenance.requestNow(.rescan, now: clock.now())
        wake()
    }
}
