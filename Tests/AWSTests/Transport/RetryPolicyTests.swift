import AWS
import Backoff
import Testing

/// ``RetryPolicy``: which failures are retried, and the backoff it builds.
struct RetryPolicyTests {
    /// The default policy's backoff starts at 100 ms and stops at 5 s.
    @Test func backoff_whenDefault_is100msUpTo5s() {
        // Given
        let policy = RetryPolicy.default

        // When
        let ceilings = (0..<8).map { policy.backoff.ceiling(attempt: $0) }

        // Then
        #expect(policy.backoff == FullJitterBackoff(base: .milliseconds(100), cap: .seconds(5)))
        #expect(ceilings == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .milliseconds(1600), .milliseconds(3200), .seconds(5), .seconds(5),
        ])
    }

    /// Retries happen only for retryable errors and only below the attempt limit (default 4).
    @Test func shouldRetry_whenRetryableOrNot_respectsKindAndLimit() {
        // Given
        let policy = RetryPolicy.default
        let throttled = AWSError(code: "ThrottlingException", statusCode: 400, operation: "ListTasks")
        let invalid = AWSError(code: "ValidationException", statusCode: 400, operation: "ListTasks")

        // Then
        #expect(policy.maxAttempts == 4)
        #expect(policy.shouldRetry(throttled, afterAttempt: 1))
        #expect(policy.shouldRetry(throttled, afterAttempt: 3))
        #expect(!policy.shouldRetry(throttled, afterAttempt: 4))
        #expect(!policy.shouldRetry(invalid, afterAttempt: 1))
        #expect(!RetryPolicy.none.shouldRetry(throttled, afterAttempt: 1))
    }

    /// At least one attempt is always made.
    @Test func init_whenMaxAttemptsBelowOne_makesOneAttempt() {
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
