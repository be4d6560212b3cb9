/// Counters and gauges of a ``WorkQueue``, for `/metrics` and the admin status (principle 6: every
/// failure is counted).
public struct WorkQueueStatistics: Sendable, Equatable {
    /// Attempts started (reconciler calls).
    public var attempts: Int = 0
    /// Attempts whose reconciler threw.
    public var failures: Int = 0
    /// Failed attempts whose error was transient (each is retried).
    public var transientFailures: Int = 0
    /// Failed attempts whose error was permanent.
    public var permanentFailures: Int = 0
    /// Keys parked by a permanent failure.
    public var parked: Int = 0
    /// Pending keys the periodic rescan found missing from the schedule (and scheduled).
    public var rescued: Int = 0
    /// Parked keys woken by the periodic re-check.
    public var recheckedParked: Int = 0
    /// Calls to the ``WorkStore`` that threw.
    public var storeErrors: Int = 0
    /// Keys queued for a free slot now.
    public var ready: Int = 0
    /// Keys with an attempt in flight.
    public var running: Int = 0
    /// Keys backing off before their next attempt.
    public var waiting: Int = 0

    public init() {}
}
