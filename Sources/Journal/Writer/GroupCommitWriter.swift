import Dispatch
import Foundation
import Synchronization

/// The single writer of the journal: everything that queues up while one batch is committing goes
/// into the next batch (group commit), so one fsync acknowledges many requests.
///
/// Callers `submit` an operation and suspend until the batch that carried it has committed. A
/// dedicated thread takes everything queued (up to `maxBatchWeight`), runs `commit` — one blocking
/// transaction — and resumes every caller with its own result, then takes the next batch at once.
///
/// Backpressure counts each ``WriteBudget`` apart: a flood of ingest that fills its budget (429s)
/// leaves the workers' bookkeeping its own room, so their writes never fail for it.
///
/// Each batch also takes at most `maxBackgroundWeight` of the other budgets' weight (workers'
/// bookkeeping, health transitions): a storm of worker writes then trickles through in several
/// short commits instead of one long one, so an ingest request never waits behind a long batch of
/// bookkeeping (issue #16: worker bookkeeping must not push ingest's 202 p99 up). Ingest operations
/// overtake background ones held back this way; each caller still gets its own result, and the
/// journal's generations keep work keys right whatever order independent callers commit in.
///
/// Once the shared ``JournalWriteHealth`` reports a fatal failure (by this writer's commit or any
/// other write to the file), the writer stops: what is queued fails with ``JournalError/stopped``
/// without being committed, later submissions fail at once, and the thread ends.
/// A thread of its own rather than a task: the commit blocks in `fsync` for about a millisecond,
/// which must not hold one of the cooperative pool's few threads, and hopping between the pool and
/// the database queue for every batch left the writer idle a third of the time under load (every
/// idle moment of the single writer is throughput lost). The writer knows nothing of SQL: `commit`
/// is injected, which keeps the queueing testable on its own.
///
/// Thread safety: all state sits behind one `Mutex`, never held while committing or resuming; the
/// thread sleeps on a semaphore that is signalled exactly once per time it declared itself waiting.
package final class GroupCommitWriter<Operation: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch, blocking the writer thread, and returns exactly one result per operation, in order.
    package typealias Commit = @Sendable ([Operation]) -> [Result<Output, JournalError>]

    private struct Pending: Sendable {
        let operation: Operation
        let weight: Int
        let budget: WriteBudget
        let continuation: CheckedContinuation<Result<Output, JournalError>, Never>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var queuedWeight = 0
        /// Queued weight per budget, for backpressure.
        var budgetWeight: [WriteBudget: Int] = [:]
        var closing = false
        var threadWaiting = false
        var finished = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []

        /// Whether the caller must signal the writer thread: true once per time it went to sleep.
        mutating func takeWaitingThread() -> Bool {
            defer { threadWaiting = false }
            return threadWaiting
        }
    }

    /// Counters for metrics and tests.
    package struct Statistics: Sendable, Equatable {
        /// Batches handed to `commit`.
        package var batches = 0
        /// Operations committed or failed.
        package var operations = 0
        /// Weight (events) waiting for the writer right now.
        package var queuedWeight = 0
        /// The largest batch weight seen.
        package var largestBatch = 0
        /// Weight of the batch being committed right now (0 when idle).
        package var inFlightWeight = 0
    }

    private let state = Mutex(State())
    private let counters = Mutex(Statistics())
    private let wakeup = DispatchSemaphore(value: 0)
    private let maxBatchWeight: Int
    private let maxBackgroundWeight: Int
    private let maxQueuedWeight: [WriteBudget: Int]
    private let health: JournalWriteHealth
    private let commit: Commit

    /// Starts the writer thread; it runs until ``close()`` (or ``closeWithoutWaiting()``) and the
    /// queue is drained, and keeps `self` alive until then.
    ///
    /// - Parameters:
    ///   - maxBatchWeight: The most weight in one batch (a batch always takes at least one operation).
    ///   - maxBackgroundWeight: The most weight of budgets other than ``WriteBudget/ingest`` in one
    ///     batch (`nil`: no limit beyond `maxBatchWeight`).
    ///   - maxQueuedWeight: Per budget, submissions beyond this queued weight of their budget fail
    ///     with ``JournalError/overloaded``.
    ///   - health: Where a fatal failure stops the writer (the commit reports to it).
    ///   - commit: Runs one batch on the writer thread.
    package init(maxBatchWeight: Int, maxBackgroundWeight: Int? = nil, maxQueuedWeight: [WriteBudget: Int],
         health: JournalWriteHealth, commit: @escaping Commit) {
        self.maxBatchWeight = max(1, maxBatchWeight)
        self.maxBackgroundWeight = max(1, min(maxBackgroundWeight ?? maxBatchWeight, maxBatchWeight))
        self.maxQueuedWeight = maxQueuedWeight.mapValues { max(1, $0) }
        self.health = health
        self.commit = commit
        let thread = Thread { [self] in
            // Named from the thread itself: only then does Foundation pass it on to the kernel (a Linux
            // thread otherwise keeps its creator's name, a cooperative pool thread's), so `top -H`
            // and profilers show it.
            Thread.current.name = "journal-writer"
            runLoop()
        }
        thread.start()
    }

    /// Queues `operation` for the next batch and returns its result once that batch has committed.
    ///
    /// Fails at once with ``JournalError/overloaded`` when more than the budget's `maxQueuedWeight`
    /// of that budget is waiting (an operation heavier than the limit is still accepted when nothing
    /// of its budget waits, so it can ever succeed), with ``JournalError/stopped`` after a fatal
    /// failure, and with ``JournalError/closed`` after ``close()``. Cancellation is ignored: an
    /// operation that was queued is committed, because its caller may already have been told nothing.
    package func submit(_ operation: Operation, weight: Int, budget: WriteBudget) async -> Result<Output, JournalError> {
        await withCheckedContinuation { continuation in
            let (rejection, wake) = state.withLock { state -> (JournalError?, Bool) in
                if let stopReason = health.stopReason { return (stopReason, false) }
                if state.closing { return (.closed, false) }
                let budgetWeight = state.budgetWeight[budget, default: 0]
                if budgetWeight > 0, budgetWeight + weight > maxQueuedWeight[budget, default: 1] {
                    return (.overloaded, false)
                }
                state.queue.append(Pending(operation: operation, weight: weight, budget: budget, continuation: continuation))
                state.queuedWeight += weight
                state.budgetWeight[budget, default: 0] += weight
                return (nil, state.takeWaitingThread())
            }
            if let rejection { continuation.resume(returning: .failure(rejection)) }
            if wake { wakeup.signal() }
        }
    }

    /// Stops accepting operations, commits everything already queued, then ends the thread.
    package func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (finished, wake) = state.withLock { state -> (Bool, Bool) in
                state.closing = true
                if state.finished { return (true, false) }
                state.closeWaiters.append(continuation)
                return (false, state.takeWaitingThread())
            }
            if wake { wakeup.signal() }
            if finished { continuation.resume() }
        }
    }

    /// Stops accepting operations without waiting; the thread still drains what is queued.
    /// For `deinit` of the owner, which cannot await.
    package func closeWithoutWaiting() {
        let wake = state.withLock { state -> Bool in
            state.closing = true
            return state.takeWaitingThread()
        }
        if wake { wakeup.signal() }
    }

    /// A snapshot of the counters.
    package var statistics: Statistics {
        var snapshot = counters.withLock { $0 }
        snapshot.queuedWeight = state.withLock { $0.queuedWeight }
        return snapshot
    }

    // MARK: - Writer thread

    private func runLoop() {
        while let (batch, weight) = nextBatch() {
            if let stopReason = health.stopReason {
                // Stopped by a write beside this writer (or the batch before): commit nothing more.
                fail(batch, with: stopReason)
                fail(stopAccepting(), with: stopReason)
                break
            }
            counters.withLock { $0.inFlightWeight = weight }
            let results = commit(batch.map(\.operation))
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
            if let stopReason = health.stopReason {
                fail(stopAccepting(), with: stopReason)
                break
            }
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// After a fatal failure: refuses further submissions and takes everything queued.
    private func stopAccepting() -> [Pending] {
        state.withLock { state in
            state.closing = true
            defer {
                state.queue = []
                state.queuedWeight = 0
                state.budgetWeight = [:]
            }
            return state.queue
        }
    }

    private func fail(_ batch: [Pending], with error: JournalError) {
        counters.withLock { $0.operations += batch.count }
        for pending in batch { pending.continuation.resume(returning: .failure(error)) }
    }

    /// The next batch and its weight, or `nil` once closed and drained. Blocks the writer thread
    /// while the queue is empty.
    private func nextBatch() -> (batch: [Pending], weight: Int)? {
        while true {
            let batch = state.withLock { state -> (batch: [Pending], weight: Int)?? in
                if !state.queue.isEmpty {
                    return .some(Self.takeBatch(from: &state, limit: maxBatchWeight, backgroundLimit: maxBackgroundWeight))
                }
                if state.closing { return .some(nil) }
                state.threadWaiting = true
                return .none
            }
            if let batch { return batch }
            wakeup.wait()
        }
    }

    private static func takeBatch(
        from state: inout State, limit: Int, backgroundLimit: Int
    ) -> (batch: [Pending], weight: Int) {
        let background = state.queuedWeight - state.budgetWeight[.ingest, default: 0]
        if state.queuedWeight <= limit, background <= backgroundLimit {
            // The usual case: everything queued fits; hand the array over without walking it.
            let batch = (batch: state.queue, weight: state.queuedWeight)
            state.queue = []
            state.queue.reserveCapacity(batch.batch.count)
            state.queuedWeight = 0
            state.budgetWeight = [:]
            return batch
        }
        // Walk the queue in order: ingest up to the batch limit, the rest also within its own limit.
        // What does not fit stays queued, in order (once a budget is full, its later operations
        // wait too, so each budget keeps its first-come order).
        var batch: [Pending] = []
        var kept: [Pending] = []
        var weight = 0
        var backgroundWeight = 0
        var ingestFull = false
        var backgroundFull = false
        for (index, pending) in state.queue.enumerated() {
            if ingestFull, backgroundFull {
                kept += state.queue[index...]
                break
            }
            let isBackground = pending.budget != .ingest
            let fits = weight + pending.weight <= limit
                && (!isBackground || backgroundWeight + pending.weight <= backgroundLimit)
            if batch.isEmpty || (fits && !(isBackground ? backgroundFull : ingestFull)) {
                batch.append(pending)
                weight += pending.weight
                if isBackground { backgroundWeight += pending.weight }
            } else {
                kept.append(pending)
                if isBackground { backgroundFull = true } else { ingestFull = true }
            }
        }
        state.queue = kept
        state.queuedWeight -= weight
        for pending in batch { state.budgetWeight[pending.budget, default: 0] -= pending.weight }
        return (batch, weight)
    }
}
