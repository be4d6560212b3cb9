/// A monotonic clock as ``LeaseState`` reads it: instants are offsets from the moment the clock was
/// made. Built over `ContinuousClock` (which keeps counting while the process is stopped or the
/// host sleeps), or over any clock a test injects.
public struct LeaseClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    public init(_ clock: some Clock<Duration> = ContinuousClock()) {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    /// Time since the clock was made.
    public func now() -> Duration {
        elapsed()
    }

    /// Sleeps until `offset`; throws `CancellationError` when the task is cancelled.
    public func sleep(until offset: Duration) async throws {
        try await sleeper(offset)
    }
}
