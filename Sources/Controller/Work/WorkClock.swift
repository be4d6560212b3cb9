/// The queue's view of an injected `Clock`: instants as offsets from the moment the queue was made.
///
/// `any Clock<Duration>` hides its `Instant` type, so the existential is opened once here and the
/// rest of the queue (and the pure ``WorkSchedule``) works with plain `Duration` offsets.
struct WorkClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    init(_ clock: some Clock<Duration>) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    /// Time since the queue was made.
    func now() -> Duration {
        elapsed()
    }

    /// Sleeps until `offset`; throws `CancellationError` when the task is cancelled.
    func sleep(until offset: Duration) async throws {
        try await sleeper(offset)
    }
}

/// A `RandomNumberGenerator` over an injected one, so the actor can pass it `inout` to
/// `FullJitterBackoff.delay(attempt:using:)` (an existential cannot be passed as `inout some`).
struct WorkQueueRandomSource: RandomNumberGenerator, Sendable {
    var base: any RandomNumberGenerator & Sendable

    mutating func next() -> UInt64 {
        base.next()
    }
}
