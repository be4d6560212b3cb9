/// Exponential backoff with full jitter: the delay after failure `n` (0 for the first) is uniform
/// in `0 … min(cap, base · 2ⁿ)`.
///
/// Full jitter spreads the retries of many callers that failed together (say, while a server was
/// down) over the whole window instead of letting them hit the recovered server in waves (the AWS
/// Architecture Blog's "Exponential Backoff And Jitter"; client-go's per-item exponential limiter).
/// Pure: the random source is a parameter.
///
/// ```swift
/// let backoff = FullJitterBackoff(base: .milliseconds(100), cap: .seconds(5))
/// var random = SystemRandomNumberGenerator()
/// try await Task.sleep(for: backoff.delay(attempt: failures - 1, using: &random))
/// ```
public struct FullJitterBackoff: Sendable, Equatable {
    /// The ceiling of the first retry's delay.
    public var base: Duration
    /// The largest ceiling, however many attempts failed.
    public var cap: Duration

    /// Creates a backoff with the given first ceiling and cap.
    public init(base: Duration, cap: Duration) {
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
    ///
    /// Uses exactly one draw, mapped onto `[0, 1)` (no rejection sampling), so any generator, even
    /// a constant one, gives a bounded delay; the largest draw gives the ceiling itself.
    /// - Parameters:
    ///   - attempt: Zero-based index of the attempt that just failed.
    ///   - generator: The random source (inject a seeded one in tests).
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = Self.nanoseconds(ceiling(attempt: attempt))
        guard ceiling > 0 else { return .zero }
        let unit = Double(generator.next() >> 11) * 0x1p-53
        let scaled = (Double(ceiling) * unit).rounded()
        return .nanoseconds(scaled >= Double(ceiling) ? ceiling : Int64(scaled))
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
