@testable import Controller
import Testing

/// ``WorkSchedule``: the queue's pure per-key state machine.
struct WorkScheduleTests {
    /// Marking a queued key is deduplicated.
    @Test func mark_whenAlreadyQueued_isDeduplicated() {
        // Given
        var schedule = WorkSchedule()
        // When
        let first = schedule.mark("a")
        let second = schedule.mark("a")
        // Then
        #expect([first, second] == [.queued, .alreadyQueued])
        #expect(schedule.next(concurrency: 8) == "a")
        #expect(schedule.next(concurrency: 8) == nil)
    }

    /// A running key is not handed out again; marked meanwhile, it is requeued once when it finishes.
    @Test func mark_whenRunning_requeuesOnceAfterFinish() {
        // Given
        var schedule = WorkSchedule()
        _ = schedule.mark("a")
        _ = schedule.next(concurrency: 8)
        // When
        let marked = [schedule.mark("a"), schedule.mark("a")]
        // Then
        #expect(marked == [.rerunAfterCurrent, .rerunAfterCurrent])
        #expect(schedule.next(concurrency: 8) == nil)
        #expect(schedule.finish("a", .succeeded) == .requeued)
        #expect(schedule.next(concurrency: 8) == "a")
        #expect(schedule.finish("a", .succeeded) == .removed)
    }

    /// No more than `concurrency` keys are handed out; finishing frees a slot.
    @Test func next_whenAtConcurrency_returnsNil() {
        // Given
        var schedule = WorkSchedule()
        for key in ["a", "b", "c"] { _ = schedule.mark(key) }
        // When
        let started = [schedule.next(concurrency: 2), schedule.next(concurrency: 2), schedule.next(concurrency: 2)]
        // Then
        #expect(started == ["a", "b", nil])
        _ = schedule.finish("a", .succeeded)
        #expect(schedule.next(concurrency: 2) == "c")
    }

    /// A failed key waits until its deadline, then is ready again; a mark ends the wait early.
    @Test func finish_whenFailed_waitsUntilDeadline() {
        // Given
        var schedule = WorkSchedule()
        _ = schedule.mark("a")
        _ = schedule.mark("b")
        _ = schedule.next(concurrency: 8)
        _ = schedule.next(concurrency: 8)
        // When
        _ = schedule.finish("a", .failed(retryAt: .seconds(2)))
        _ = schedule.finish("b", .failed(retryAt: .seconds(1)))
        // Then
        #expect(schedule.nextDeadline() == .seconds(1))
        schedule.promoteDue(now: .milliseconds(1500))
        #expect(schedule.next(concurrency: 8) == "b")
        #expect(schedule.next(concurrency: 8) == nil)
        #expect(schedule.mark("a") == .queued)
        #expect(schedule.next(concurrency: 8) == "a")
        #expect(schedule.nextDeadline() == nil)
    }

    /// Parked and abandoned keys are forgotten.
    @Test func finish_whenParkedOrAbandoned_removesKey() {
        // Given
        var schedule = WorkSchedule()
        _ = schedule.mark("a")
        _ = schedule.mark("b")
        _ = schedule.next(concurrency: 8)
        _ = schedule.next(concurrency: 8)
        // When / Then
        #expect(schedule.finish("a", .parked) == .removed)
        #expect(schedule.finish("b", .abandoned) == .removed)
        #expect(schedule.phases.isEmpty)
        #expect(schedule.inFlight == 0)
    }
}
