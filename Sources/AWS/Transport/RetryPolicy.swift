/// Exponential backoff with full jitter for retryable ``AWSError``s.
///
/// The delay before retry `n` (0 for the first retry) is uniform in `[0, min(maxDelay, baseDelay·2ⁿ)]`
/// (AWS Architecture Blog, "Exponential Backoff And Jitter"). Pure: the random source is a parameter.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first (1 disables retries).
    public var maxAttempts: Int
    /// The ceiling of the first retry's delay.
    public var baseDelay: Duration
    /// The largest ceiling any retry can have.
    public var maxDelay: Duration

    /// Creates a policy.
    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Four attempts, 100 ms base, 5 s cap.
    public static let `default` = RetryPolicy()
    /// One attempt, no retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether to retry after `attempt` (1-based) failed with `error`.
    public func shouldRetry(_ error: AWSError, afterAttempt attempt: Int) -> Bool {
        error.isRetryable && attempt < maxAttempts
    }

    /// `min(maxDelay, baseDelay·2^retry)`.
    public func delayCeiling(forRetry retry: Int) -> Duration {
        let exponent = min(max(0, retry), 62)
        let base = Self.nanoseconds(baseDelay)
        let cap = Self.nanoseconds(maxDelay)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << exponent)
        return .nanoseconds(overflow ? cap : min(cap, scaled))
    }

    /// A full-jitter delay for retry `retry` (0-based), drawn from `generator`.
    ///
    /// Uses exactly one draw mapped onto [0, 1) (no rejection sampling), so any generator, even a
    /// constant one, gives a bounded delay.
    public func delay(forRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = Self.nanoseconds(delayCeiling(forRetry: retry))
        guard ceiling > 0 else { return .zero }
        let unit = Double(generator.next() >> 11) * 0x1p-53
        return .nanoseconds(min(ceiling, Int64(Double(ceiling) * unit)))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds) * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
