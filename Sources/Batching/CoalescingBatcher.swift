public import ErrorClassification

/// Gathers the single-key requests of concurrently running callers into batched calls, and hands
/// each caller its own outcome.
///
/// The per-key reconciler model stays as it is: each worker still asks for its own key and gets its
/// own success or failure; only the wire sees fewer, larger calls. Items are grouped (e.g. by ECS
/// cluster); a group's items wait at most ``Configuration/window`` for company, or less once they
/// fill a batch (``Configuration/maxBatchWeight``), and at most ``Configuration/maxInFlightBatches``
/// batches of all groups are sent at once. Items that arrive while the batches are busy join the
/// next batch, so the busier the callers, the fuller the batches.
///
/// The `send` closure answers a batch with exactly one result per item, in order: one bad item
/// fails alone, not its neighbours. A batch whose `send` returns too few results fails its
/// unanswered items with ``CoalescingBatcherError``.
///
/// ```swift
/// let describe = CoalescingBatcher<String, String, ECSTask?>(
///     configuration: .init(maxBatchWeight: 100, window: .milliseconds(2), maxInFlightBatches: 4)
/// ) { cluster, arns in
///     await describeAll(arns, in: cluster)   // one DescribeTasks, one result per ARN
/// }
/// let task = try await describe.submit(arn, in: cluster)
/// ```
///
/// Thread affinity: an actor; `send` runs off the actor, in its own task per batch. Cancelling a
/// caller does not withdraw its item (the batch may already be on the wire): it still gets the
/// batch's outcome.
public actor CoalescingBatcher<Group: Hashable & Sendable, Item: Sendable, Outcome: Sendable> {
    /// Batch size, waiting time and parallelism.
    public struct Configuration: Sendable, Equatable {
        /// Most weight in one batch (an item heavier than this is sent alone).
        public var maxBatchWeight: Int
        /// How long the first item of a batch waits for others; zero sends what is there at once.
        public var window: Duration
        /// Most batches (of all groups) on the wire at once.
        public var maxInFlightBatches: Int
        /// Whether an item that finds no batch on the wire waits ``window`` too. `false` sends it at
        /// once: when calls are rare a window only adds its length to each of them, and when they
        /// are frequent the batches already on the wire hold the next items back long enough to
        /// gather company (the window then applies as before).
        public var waitsWhenIdle: Bool

        public init(maxBatchWeight: Int, window: Duration, maxInFlightBatches: Int, waitsWhenIdle: Bool = true) {
            self.maxBatchWeight = max(1, maxBatchWeight)
            self.window = max(.zero, window)
            self.maxInFlightBatches = max(1, maxInFlightBatches)
            self.waitsWhenIdle = waitsWhenIdle
        }
    }

    /// Sends one batch of `group`; returns one result per item, in the items' order.
    public typealias Send = @Sendable (_ group: Group, _ items: [Item]) async -> [Result<Outcome, any Error>]

    /// Counters for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Batches handed to `send`.
        public var batches = 0
        /// Items in those batches.
        public var items = 0
        /// The largest batch weight sent.
        public var largestBatchWeight = 0
        /// The most batches that were on the wire at once.
        public var mostInFlight = 0
    }

    private struct Waiting {
        let item: Item
        let weight: Int
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private let configuration: Configuration
    private let send: Send
    private var queues: [Group: [Waiting]] = [:]
    private var queuedWeight: [Group: Int] = [:]
    private var draining: Set<Group> = []
    private var windows: [Group: Task<Void, Never>] = [:]
    private var inFlight = 0
    private var slotWaiters: [CheckedContinuation<Void, Never>] = []
    private var counters = Statistics()

    /// - Parameters:
    ///   - configuration: Batch weight, window and batches in flight.
    ///   - send: Sends one batch (see ``Send``).
    public init(configuration: Configuration, send: @escaping Send) {
        self.configuration = configuration
        self.send = send
    }

    /// Adds `item` to the next batch of `group` and returns its own outcome once that batch is answered.
    /// - Parameter weight: The item's share of ``Configuration/maxBatchWeight`` (e.g. its operations).
    /// - Throws: The item's own error from `send`.
    public func submit(_ item: Item, weight: Int = 1, in group: Group) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            queues[group, default: []].append(Waiting(item: item, weight: max(1, weight), continuation: continuation))
            queuedWeight[group, default: 0] += max(1, weight)
            if queuedWeight[group, default: 0] >= configuration.maxBatchWeight {
                windows[group]?.cancel()  // full: stop waiting for company
            }
            if draining.insert(group).inserted {
                Task { await self.drain(group) }
            }
        }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { counters }

    /// Items waiting for a batch (not yet sent), over all groups.
    public var waitingItems: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Sends the group's queue in batches until it is empty.
    private func drain(_ group: Group) async {
        if queuedWeight[group, default: 0] < configuration.maxBatchWeight {
            await waitForCompany(group)
        }
        while queues[group]?.isEmpty == false {
            await acquireSlot()  // items that arrive meanwhile join this batch
            guard let batch = takeBatch(group) else {
                releaseSlot()
                break
            }
            let send = self.send
            Task {
                let results = await send(group, batch.map(\.item))  // off the actor
                self.complete(batch, with: results)
            }
        }
        queues[group] = nil
        queuedWeight[group] = nil
        draining.remove(group)
    }

    private func waitForCompany(_ group: Group) async {
        guard configuration.window > .zero, configuration.waitsWhenIdle || inFlight > 0 else {
            await Task.yield()  // let submissions already on their way join
            return
        }
        let window = configuration.window
        let sleeper = Task { _ = try? await Task.sleep(for: window) }
        windows[group] = sleeper
        await sleeper.value
        windows[group] = nil
    }

    private func takeBatch(_ group: Group) -> [Waiting]? {
        guard var queue = queues[group], !queue.isEmpty else { return nil }
        var count = 0
        var weight = 0
        for waiting in queue {
            if count > 0, weight + waiting.weight > configuration.maxBatchWeight { break }
            count += 1
            weight += waiting.weight
        }
        let batch = Array(queue.prefix(count))
        queue.removeFirst(count)
        queues[group] = queue
        queuedWeight[group, default: 0] -= weight
        counters.batches += 1
        counters.items += count
        counters.largestBatchWeight = max(counters.largestBatchWeight, weight)
        return batch
    }

    private func acquireSlot() async {
        while inFlight >= configuration.maxInFlightBatches {
            await withCheckedContinuation { slotWaiters.append($0) }
        }
        inFlight += 1
        counters.mostInFlight = max(counters.mostInFlight, inFlight)
    }

    private func releaseSlot() {
        inFlight -= 1
        if !slotWaiters.isEmpty { slotWaiters.removeFirst().resume() }
    }

    private func complete(_ batch: [Waiting], with results: [Result<Outcome, any Error>]) {
        releaseSlot()
        for (index, waiting) in batch.enumerated() {
            if index < results.count {
                waiting.continuation.resume(with: results[index])
            } else {
                waiting.continuation.resume(throwing: CoalescingBatcherError(
                    batchSize: batch.count, answered: results.count))
            }
        }
    }
}

/// A batch's `send` answered fewer items than it was given (a bug in the sender; worth a retry).
public struct CoalescingBatcherError: TransientClassifiable, Sendable, Equatable, CustomStringConvertible {
    /// Items in the batch.
    public let batchSize: Int
    /// Results `send` returned.
    public let answered: Int

    public var isTransient: Bool { true }

    public var description: String {
        "a batch of \(batchSize) items got only \(answered) results from its sender"
    }
}
