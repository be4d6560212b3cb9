/// Exponential backoff with full jitter: `delay = random(0, min(cap, base · 2^attempt))`.
///
/// Full jitter spreads retries of many keys that failed together (say, while Consul was down) over
/// the whole window instead of letting them hit the recovered server in waves (the AWS
/// architecture blog's "Exponential Backoff And Jitter"; client-go's per-item exponential limiter).
public struct RetryBackoff: Sendable, Equatable {
    /// Default ``base``: 200 ms.
    public static let defaultBase = Duration.milliseconds(200)
    /// Default ``cap``: 30 s.
    public static let defaultCap = Duration.seconds(30)

    /// The ceiling of the first retry.
    public var base: Duration
    /// The largest ceiling, however many attempts failed.
    public var cap: Duration

    public init(base: Duration = RetryBackoff.defaultBase, cap: Duration = RetryBackoff.defaultCap) {
        self.base = base
        self.cap = cap
    }

    /// `min(cap, base · 2^attempt)`, without overflow for any `attempt`.
    /// - Parameter attempt: Zero-based index of the attempt that just failed (0 after the first failure).
    public func ceiling(attempt: Int) -> Duration {
        let capNanoseconds = Self.nanoseconds(cap)
        let baseNanoseconds = Self.nanoseconds(base)
        guard baseNanoseconds > 0 else { return .zero }
        let shift = max(0, attempt)
        guard shift < Int64.bitWidth - 1,
              baseNanoseconds <= (Int64.max >> Int64(shift)) else { return .nanoseconds(capNanoseconds) }
        return .nanoseconds(min(capNanoseconds, baseNanoseconds << Int64(shift)))
    }

    /// A uniformly random delay in `0 … ceiling(attempt:)`.
    /// - Parameters:
    ///   - attempt: Zero-based index of the attempt that just failed.
    ///   - generator: The random source (inject a seeded one in tests).
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = Self.nanoseconds(ceiling(attempt: attempt))
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...ceiling, using: &generator))
    }

    /// `duration` in whole nanoseconds, clamped to `0 … Int64.max`.
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (sum, overflowSum) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? .max : sum
    }
}
