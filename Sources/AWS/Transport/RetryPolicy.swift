public import Backoff

/// When to retry an AWS call, and how long to wait: retryable ``AWSError``s are retried up to
/// ``maxAttempts``, each after a ``FullJitterBackoff`` delay.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first (1 disables retries).
    public var maxAttempts: Int
    /// The delay before retry `n` (0 for the first retry): uniform in `0 … min(cap, base · 2ⁿ)`.
    public var backoff: FullJitterBackoff

    /// Creates a policy.
    /// - Parameters:
    ///   - baseDelay: The ceiling of the first retry's delay.
    ///   - maxDelay: The largest ceiling any retry can have.
    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = FullJitterBackoff(base: baseDelay, cap: maxDelay)
    }

    /// Four attempts, 100 ms base, 5 s cap.
    public static let `default` = RetryPolicy()
    /// One attempt, no retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether to retry after `attempt` (1-based) failed with `error`.
    public func shouldRetry(_ error: AWSError, afterAttempt attempt: Int) -> Bool {
        error.isRetryable && attempt < maxAttempts
    }
}
