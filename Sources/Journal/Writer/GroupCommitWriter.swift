import Synchronization

/// The single writer of the journal: everything that queues up while one batch is committing goes
/// into the next batch (group commit), so one fsync acknowledges many requests.
///
/// Callers `submit` an operation and suspend until the batch that carried it has committed. A loop
/// task takes everything queued (up to `maxBatchWeight`), hands it to `commit` — which runs one
/// transaction off the cooperative pool — and resumes every caller with its own result. The writer
/// knows nothing of SQL: `commit` is injected, which keeps the queueing testable on its own.
///
/// Thread safety: all state sits behind one `Mutex`; the lock is never held across an `await`.
final class GroupCommitWriter<Operation: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch and returns exactly one result per operation, in order.
    typealias Commit = @Sendable ([Operation]) async -> [Result<Output, JournalError>]

    private struct Pending: Sendable {
        let operation: Operation
        let weight: Int
        let continuation: CheckedContinuation<Result<Output, JournalError>, Never>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var queuedWeight = 0
        var closing = false
        var loopWaiter: CheckedContinuation<Void, Never>?
    }

    /// Counters for metrics and tests.
    struct Statistics: Sendable, Equatable {
        /// Batches handed to `commit`.
        var batches = 0
        /// Operations committed or failed.
        var operations = 0
        /// Weight (events) waiting for the writer right now.
        var queuedWeight = 0
        /// The largest batch weight seen.
        var largestBatch = 0
        /// Weight of the batch being committed right now (0 when idle).
        var inFlightWeight = 0
    }

    private let state = Mutex(State())
    private let counters = Mutex(Statistics())
    private let loopTask = Mutex<Task<Void, Never>?>(nil)
    private let maxBatchWeight: Int
    private let maxQueuedWeight: Int
    private let commit: Commit

    /// - Parameters:
    ///   - maxBatchWeight: The most weight in one batch (a batch always takes at least one operation).
    ///   - maxQueuedWeight: Submissions beyond this queued weight fail with ``JournalError/overloaded``.
    ///   - commit: Runs one batch; must not block the cooperative pool for long.
    init(maxBatchWeight: Int, maxQueuedWeight: Int, commit: @escaping Commit) {
        self.maxBatchWeight = max(1, maxBatchWeight)
        self.maxQueuedWeight = max(1, maxQueuedWeight)
        self.commit = commit
        let task = Task { [self] in await self.runLoop() }
        loopTask.withLock { $0 = task }
    }

    /// Queues `operation` for the next batch and returns its result once that batch has committed.
    ///
    /// Fails at once with ``JournalError/overloaded`` when more than `maxQueuedWeight` is waiting (an
    /// operation heavier than the limit is still accepted into an empty queue, so it can ever succeed),
    /// and with ``JournalError/closed`` after ``close()``. Cancellation is ignored: an operation that
    /// was queued is committed, because its caller may already have been told nothing.
    func submit(_ operation: Operation, weight: Int) async -> Result<Output, JournalError> {
        await withCheckedContinuation { continuation in
            let (rejection, waiter) = state.withLock { state -> (JournalError?, CheckedContinuation<Void, Never>?) in
                if state.closing { return (.closed, nil) }
                if state.queuedWeight > 0, state.queuedWeight + weight > maxQueuedWeight {
                    return (.overloaded, nil)
                }
                state.queue.append(Pending(operation: operation, weight: weight, continuation: continuation))
                state.queuedWeight += weight
                defer { state.loopWaiter = nil }
                return (nil, state.loopWaiter)
            }
            if let rejection { continuation.resume(returning: .failure(rejection)) }
            waiter?.resume()
        }
    }

    /// Stops accepting operations, commits everything already queued, then ends the loop.
    func close() async {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closing = true
            defer { state.loopWaiter = nil }
            return state.loopWaiter
        }
        waiter?.resume()
        await loopTask.withLock { $0 }?.value
    }

    /// Stops accepting operations without waiting; the loop still drains what is queued.
    /// For `deinit` of the owner, which cannot await.
    func closeWithoutWaiting() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closing = true
            defer { state.loopWaiter = nil }
            return state.loopWaiter
        }
        waiter?.resume()
    }

    /// A snapshot of the counters.
    var statistics: Statistics {
        var snapshot = counters.withLock { $0 }
        snapshot.queuedWeight = state.withLock { $0.queuedWeight }
        return snapshot
    }

    // MARK: - Loop

    private func runLoop() async {
        while let batch = await nextBatch() {
            let weight = batch.reduce(0) { $0 + $1.weight }
            counters.withLock { $0.inFlightWeight = weight }
            let results = await commit(batch.map(\.operation))
            counters.withLock {
                $0.inFlightWeight = 0
                $0.batches += 1
                $0.operations += batch.count
                $0.largestBatch = max($0.largestBatch, weight)
            }
            for (index, pending) in batch.enumerated() {
                let result = index < results.count
                    ? results[index]
                    : .failure(JournalError.failed.with(message: "commit returned too few results"))
                pending.continuation.resume(returning: result)
            }
            // Let the callers just resumed run before the next batch is taken: many of them submit
            // again at once, and one batch for all of them costs one fsync instead of several.
            await Task.yield()
        }
    }

    private enum Step: Sendable {
        case batch([Pending])
        case finished
        case wait
    }

    /// The next batch, or `nil` once closed and drained. Suspends while the queue is empty.
    private func nextBatch() async -> [Pending]? {
        while true {
            let step = state.withLock { state -> Step in
                if !state.queue.isEmpty { return .batch(Self.takeBatch(from: &state, limit: maxBatchWeight)) }
                return state.closing ? .finished : .wait
            }
            switch step {
            case .batch(let batch): return batch
            case .finished: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wakeNow = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || state.closing { return true }
                        state.loopWaiter = continuation
                        return false
                    }
                    if wakeNow { continuation.resume() }
                }
            }
        }
    }

    private static func takeBatch(from state: inout State, limit: Int) -> [Pending] {
        var count = 0
        var weight = 0
        for pending in state.queue {
            if count > 0, weight + pending.weight > limit { break }
            count += 1
            weight += pending.weight
        }
        let batch: [Pending]
        if count == state.queue.count {
            // The usual case: everything queued fits; hand the array over instead of copying it.
            batch = state.queue
            state.queue = []
            state.queue.reserveCapacity(batch.count)
        } else {
            batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
        }
        state.queuedWeight -= weight
        return batch
    }
}
