import Controller
import Testing

/// ``RetryBackoff``: `random(0, min(cap, base · 2^attempt))`.
struct RetryBackoffTests {
    /// The ceiling doubles from the base and stops at the cap.
    @Test func ceiling_whenAttemptsGrow_doublesUpToCap() {
        // Given
        let backoff = RetryBackoff()
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
    @Test(arguments: [62, 63, 64, 1000, Int.max])
    func ceiling_whenAttemptHuge_isCap(attempt: Int) {
        #expect(RetryBackoff().ceiling(attempt: attempt) == .seconds(30))
    }

    /// Every delay lies in `0 … ceiling`, and the spread covers the window (full jitter).
    @Test func delay_whenRandom_staysWithinZeroAndCeiling() {
        // Given
        let backoff = RetryBackoff(base: .milliseconds(200), cap: .seconds(30))
        var random = WorkSeededRandom(state: 42)
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

    /// The top of the random range gives exactly the ceiling.
    @Test func delay_whenRandomAtMaximum_isCeiling() {
        // Given
        var random = WorkFixedRandom(value: .max)
        // When / Then
        #expect(RetryBackoff().delay(attempt: 3, using: &random) == .milliseconds(1600))
    }

    /// Custom base and cap are honoured.
    @Test func ceiling_whenConfigured_usesBaseAndCap() {
        // Given
        let backoff = RetryBackoff(base: .seconds(1), cap: .seconds(5))
        // When / Then
        #expect((0..<5).map { backoff.ceiling(attempt: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }
}
