import AWS
import Testing

/// Exponential backoff with full jitter, checked with injected random sources.
struct RetryPolicyTests {
    /// A generator that always returns the same 64-bit value.
    struct FixedGenerator: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    /// A seeded SplitMix64 generator, for many varied draws.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Ceilings double from the base and stop at the cap.
    @Test func delayCeiling_whenRetriesGrow_doublesUpToCap() {
        // Given
        let policy = RetryPolicy.default

        // When
        let ceilings = (0..<8).map { policy.delayCeiling(forRetry: $0) }

        // Then
        #expect(ceilings == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .milliseconds(1600), .milliseconds(3200), .seconds(5), .seconds(5),
        ])
        #expect(policy.delayCeiling(forRetry: 10_000) == .seconds(5))
    }

    /// Every drawn delay lies in [0, min(cap, base·2ⁿ)].
    @Test func delay_whenRandomDraws_staysWithinFullJitterBounds() {
        // Given
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(5))
        var generator = SplitMix64(state: 42)

        // When / Then
        for retry in 0..<12 {
            let ceiling = policy.delayCeiling(forRetry: retry)
            for _ in 0..<200 {
                let delay = policy.delay(forRetry: retry, using: &generator)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
    }

    /// The extremes of the random source map to the bounds of the interval.
    @Test func delay_whenRandomSourceAtExtremes_hitsZeroAndNearCeiling() {
        // Given
        let policy = RetryPolicy.default
        var low = FixedGenerator(value: 0)
        var high = FixedGenerator(value: .max)

        // When
        let lowDelay = policy.delay(forRetry: 3, using: &low)
        let highDelay = policy.delay(forRetry: 3, using: &high)

        // Then
        #expect(lowDelay == .zero)
        #expect(highDelay <= .milliseconds(800) && highDelay > .milliseconds(790))
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
}
