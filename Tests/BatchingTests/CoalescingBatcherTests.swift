import Batching
import MeshTestSupport
import Synchronization
import Testing

/// The coalescing batcher: concurrent single items become batched calls, each caller with its own outcome.
@Suite(.timeLimit(.minutes(1)))
struct CoalescingBatcherTests {
    struct Refused: Error, Equatable { let item: Int }

    /// Records every batch `send` got; holds calls while its gate is closed.
    final class Sender: Sendable {
        private let state = Mutex<[[Int]]>([])
        let gate: Gate

        init(gateOpen: Bool = true) { gate = Gate(open: gateOpen) }

        var calls: [[Int]] { state.withLock { $0 } }

        /// Answers item `n` with `n * 10`, except negative items, which are refused.
        func send(_ items: [Int]) async -> [Result<Int, any Error>] {
            state.withLock { $0.append(items) }
            await gate.wait()
            return items.map { $0 < 0 ? .failure(Refused(item: $0)) : .success($0 * 10) }
        }
    }

    /// Three callers that fill a batch go out in one call, and each gets its own outcome, a refusal included.
    @Test func submit_whenBatchFills_sendsOneCallAndEachCallerGetsItsOwnOutcome() async throws {
        // Given: a window far longer than the test, so only a full batch is sent
        let sender = Sender()
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 3, window: .seconds(3600), maxInFlightBatches: 1)
        ) { _, items in await sender.send(items) }

        // When
        async let first = batcher.submit(1, in: "a")
        async let refused: Result<Int, any Error> = outcome { try await batcher.submit(-2, in: "a") }
        async let third = batcher.submit(3, in: "a")
        let (one, bad, three) = try await (first, refused, third)

        // Then
        #expect(one == 10 && three == 30)
        #expect(throws: Refused(item: -2)) { try bad.get() }
        #expect(sender.calls.count == 1)
        #expect(sender.calls.first?.sorted() == [-2, 1, 3])
    }

    /// Items heavier together than a batch are split, each batch within the weight limit.
    @Test func submit_whenWeightsExceedABatch_splitsIntoBatchesWithinTheLimit() async throws {
        // Given
        let sender = Sender()
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 4, window: .seconds(3600), maxInFlightBatches: 2)
        ) { _, items in await sender.send(items) }

        // When: 3 + 3 > 4, so the second item fills the queue and ends the window
        async let first = batcher.submit(1, weight: 3, in: "a")
        async let second = batcher.submit(2, weight: 3, in: "a")
        let results = try await [first, second]

        // Then
        #expect(results == [10, 20])
        #expect(sender.calls.map(\.count) == [1, 1])
        #expect(await batcher.statistics.largestBatchWeight == 3)
    }

    /// Items that arrive while the only batch slot is busy wait, then go out together in the next call.
    @Test func submit_whenInFlightLimitReached_queuesAndCoalescesIntoTheNextCall() async throws {
        // Given: one batch in flight, held at the gate
        let sender = Sender(gateOpen: false)
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 100, window: .zero, maxInFlightBatches: 1)
        ) { _, items in await sender.send(items) }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await batcher.submit(1, in: "a") }
            let firstSent = await eventually(interval: .milliseconds(1)) { sender.calls.count == 1 }

            // When
            for item in 2...4 { group.addTask { try await batcher.submit(item, in: "a") } }
            let othersWaiting = await eventually(interval: .milliseconds(1)) { await batcher.waitingItems == 3 }
            await sender.gate.open()  // opened whatever happens, so the group cannot hang
            #expect(firstSent && othersWaiting)
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }

        // Then
        #expect(results.sorted() == [10, 20, 30, 40])
        #expect(sender.calls.count == 2)
        #expect(sender.calls.last?.sorted() == [2, 3, 4])
        #expect(await batcher.statistics.mostInFlight == 1)
    }

    /// Without waiting when idle, an item that finds nothing on the wire goes at once, and the
    /// window applies again to items that arrive while that batch is out.
    @Test func submit_whenIdleAndNotWaitingWhenIdle_sendsAtOnceThenWaitsWhileBusy() async throws {
        // Given: a window far longer than the test; the first call held at the gate
        let sender = Sender(gateOpen: false)
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 2, window: .seconds(3600), maxInFlightBatches: 2, waitsWhenIdle: false)
        ) { _, items in await sender.send(items) }
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            // When: one item alone, then one while its batch is on the wire
            group.addTask { try await batcher.submit(1, in: "a") }
            let loneSent = await eventually(interval: .milliseconds(1)) { sender.calls.count == 1 }
            group.addTask { try await batcher.submit(2, in: "a") }
            let secondWaits = await eventually(interval: .milliseconds(1)) { await batcher.waitingItems == 1 }
            try? await Task.sleep(for: .milliseconds(20))  // a slot is free: only the window holds it back
            let heldByWindow = sender.calls.count == 1
            group.addTask { try await batcher.submit(3, in: "a") }  // fills the batch, ending the window
            let pairSent = await eventually(interval: .milliseconds(1)) { sender.calls.count == 2 }
            await sender.gate.open()
            #expect(loneSent && secondWaits && heldByWindow && pairSent)
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }

        // Then
        #expect(results.sorted() == [10, 20, 30])
        #expect(sender.calls.map { $0.sorted() } == [[1], [2, 3]])
    }

    /// Groups never share a batch.
    @Test func submit_whenGroupsDiffer_sendsEachGroupApart() async throws {
        // Given
        let groups = Mutex<[String: [Int]]>([:])
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 2, window: .seconds(3600), maxInFlightBatches: 4)
        ) { group, items in
            groups.withLock { $0[group, default: []] += items }
            return items.map { .success($0) }
        }

        // When: each group fills its own batch of two
        async let a1 = batcher.submit(1, in: "a")
        async let b1 = batcher.submit(2, in: "b")
        async let a2 = batcher.submit(3, in: "a")
        async let b2 = batcher.submit(4, in: "b")
        _ = try await [a1, b1, a2, b2]

        // Then
        #expect(groups.withLock { $0["a"]?.sorted() } == [1, 3])
        #expect(groups.withLock { $0["b"]?.sorted() } == [2, 4])
    }

    /// A sender that answers too few items fails the unanswered ones, not the answered.
    @Test func submit_whenSenderAnswersTooFew_failsTheUnansweredItems() async throws {
        // Given
        let batcher = CoalescingBatcher<String, Int, Int>(
            configuration: .init(maxBatchWeight: 2, window: .seconds(3600), maxInFlightBatches: 1)
        ) { _, items in [.success(items[0])] }

        // When
        async let first: Result<Int, any Error> = outcome { try await batcher.submit(1, in: "a") }
        async let second: Result<Int, any Error> = outcome { try await batcher.submit(2, in: "a") }
        let outcomes = await [first, second]

        // Then: exactly one answered, one failed with the batcher's error
        #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
        #expect(outcomes.contains { if case .failure(let error) = $0 { error is CoalescingBatcherError } else { false } })
    }
}

/// The result of `body`, thrown errors included.
func outcome(_ body: () async throws -> Int) async -> Result<Int, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

