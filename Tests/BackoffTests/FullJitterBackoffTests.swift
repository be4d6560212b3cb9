import Backoff
import MeshTestSupport
import Testing

/// ``FullJitterBackoff``: `random(0, min(cap, base · 2^attempt))`, checked with injected random sources.
struct FullJitterBackoffTests {
    /// The ceiling doubles from the base and stops at the cap.
    @Test func ceiling_whenAttemptsGrow_doublesUpToCap() {
        // Given
        let backoff = FullJitterBackoff(base: .milliseconds(200), cap: .seconds(30))
        // When
        let ceilings = (0..<10).map { backoff.ceiling(attempt: $0) }
        // Then
        #expect(ceilings == [
            .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
            .milliseconds(3200), .milliseconds(6400), .milliseconds(12800), .milliseconds(25600),
            .seconds(30), .seconds(30),
        ])
    }

    /// Huge attempt numbers stay at the cap instead of overflowing.
    @Test(arguments: [62, 63, 64, 1000, 10_000, Int.max])
    func ceiling_whenAttemptHuge_isCap(attempt: Int) {
        #expect(FullJitterBackoff(base: .milliseconds(100), cap: .seconds(5)).ceiling(attempt: attempt) == .seconds(5))
    }

    /// A cap beyond `Int64` nanoseconds saturates instead of trapping.
    @Test func ceiling_whenCapExceedsNanosecondRange_saturates() {
        // Given
        let backoff = FullJitterBackoff(base: .seconds(1), cap: .seconds(Int64.max))
        // When / Then
        #expect(backoff.ceiling(attempt: 80) == .nanoseconds(Int64.max))
    }

    /// Every delay lies in `0 … ceiling`, and the spread covers the window (full jitter).
    @Test func delay_whenRandom_staysWithinZeroAndCeiling() {
        // Given
        let backoff = FullJitterBackoff(base: .milliseconds(200), cap: .seconds(30))
        var random = SeededRandom(seed: 42)
        for attempt in 0..<12 {
            // When
            let delays = (0..<200).map { _ in backoff.delay(attempt: attempt, using: &random) }
            // Then
            let ceiling = backoff.ceiling(attempt: attempt)
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            #expect(delays.contains { $0 < ceiling / 4 })
            #expect(delays.contains { $0 > ceiling * 3 / 4 })
        }
    }

    /// The extremes of the random source map to zero and to the ceiling itself.
    @Test func delay_whenRandomSourceAtExtremes_isZeroOrCeiling() {
        // Given
        let backoff = FullJitterBackoff(base: .milliseconds(200), cap: .seconds(30))
        var low = FixedRandom(value: 0)
        var high = FixedRandom(value: .max)
        // When / Then
        #expect(backoff.delay(attempt: 3, using: &low) == .zero)
        #expect(backoff.delay(attempt: 3, using: &high) == .milliseconds(1600))
    }

    /// Custom base and cap are honoured.
    @Test func ceiling_whenConfigured_usesBaseAndCap() {
        // Given
        let backoff = FullJitterBackoff(base: .seconds(1), cap: .seconds(5))
        // When / Then
        #expect((0..<5).map { backoff.ceiling(attempt: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    /// A zero base never waits.
    @Test func delay_whenBaseIsZero_isZero() {
        // Given
        var high = FixedRandom(value: .max)
        // When / Then
        #expect(FullJitterBackoff(base: .zero, cap: .seconds(5)).delay(attempt: 4, using: &high) == .zero)
    }
}
