import Dispatch
import Foundation
import Synchronization

/// The writer of the journal: everything that queues up while a batch is committing goes into the
/// next batch (group commit), so one fsync acknowledges many requests.
///
/// Callers `submit` an operation and suspend until the batch that carried it has committed (or
/// pass a completion that the writer calls). A dedicated thread takes everything queued (up to
/// `maxBatchWeight`), runs `commit` — one blocking transaction — and hands every caller its own
/// result, then takes the next batch at once.
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
/// without being committed, later submissions fail at once, and the threads end.
/// A thread of its own rather than a task: the commit blocks in `fsync` for about a millisecond,
/// which must not hold one of the cooperative pool's few threads, and hopping between the pool and
/// the database queue for every batch left the writer idle a third of the time under load (every
/// idle moment of the single writer is throughput lost). The writer knows nothing of SQL: `commit`
/// is injected, which keeps the queueing testable on its own.
///
/// `committers` such threads take batches (1 by default): SQLite has one writer, so its journal keeps one;
/// a server database (PostgreSQL) commits several batches at once, each on a connection of its own,
/// because one batch's commit then waits on round trips, not on the disk, and throughput would be
/// one batch per transaction latency. Batches committing at once come from independent callers;
/// what must stay in order across them (folds of one task) the committer serialises itself.
///
/// Thread safety: all state sits behind one `Mutex`, never held while committing or resuming; a
/// thread sleeps on a semaphore that is signalled exactly once per time one declared itself waiting.
package final class GroupCommitWriter<Operation: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch, blocking the writer thread, and returns exactly one result per operation, in order.
    package typealias Commit = @Sendable ([Operation]) -> [Result<Output, JournalError>]
    /// Receives one operation's result on the writer thread that committed it: it must be quick
    /// and must not block, because the rest of the batch's callers wait behind it.
    package typealias Completion = @Sendable (Result<Output, JournalError>) -> Void

    private struct Pending: Sendable {
        let operation: Operation
        let weight: Int
        let budget: WriteBudget
        /// Called once, on a writer thread (or the submitter's, for a refusal), with the result.
        let complete: Completion
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var queuedWeight = 0
        /// Queued weight per budget, for backpressure.
        var budgetWeight: [WriteBudget: Int] = [:]
        var closing = false
        /// Writer threads asleep on the semaphore (each counted once per time it went to sleep).
        var waitingThreads = 0
        /// Writer threads that have not ended yet.
        var runningThreads: Int
        var finished = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []

        /// Whether the caller must signal one writer thread: true once per time one went to sleep.
        mutating func takeWaitingThread() -> Bool {
            guard waitingThreads > 0 else { return false }
            waitingThreads -= 1
            return true
        }

        /// How many times the caller must signal so that every sleeping writer thread wakes.
        mutating func takeAllWaitingThreads() -> Int {
            defer { waitingThreads = 0 }
            return waitingThreads
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
        /// Weight of the batches being committed right now (0 when idle).
        package var inFlightWeight = 0
        /// Batches being committed right now.
        package var inFlightBatches = 0
        /// The most batches seen committing at once (at most `committers`).
        package var mostBatchesInFlight = 0
    }

    private let state: Mutex<State>
    private let counters = Mutex(Statistics())
    private let wakeup = DispatchSemaphore(value: 0)
    private let maxBatchWeight: Int
    private let maxBackgroundWeight: Int
    private let maxQueuedWeight: [WriteBudget: Int]
    private let health: JournalWriteHealth
    private let commit: Commit

    /// Starts the writer threads; they run until ``close()`` (or ``closeWithoutWaiting()``) and the
    /// queue is drained, and keep `self` alive until then.
    ///
    /// - Parameters:
    ///   - maxBatchWeight: The most weight in one batch (a batch always takes at least one operation).
    ///   - maxBackgroundWeight: The most weight of budgets other than ``WriteBudget/ingest`` in one
    ///     batch (`nil`: no limit beyond `maxBatchWeight`).
    ///   - maxQueuedWeight: Per budget, submissions beyond this queued weight of their budget fail
    ///     with ``JournalError/overloaded``.
    ///   - health: Where a fatal failure stops the writer (the commit reports to it).
    ///   - committers: How many batches may commit at once, each on a writer thread of its own
    ///     (`commit` is then called concurrently).
    ///   - commit: Runs one batch on a writer thread.
    package init(maxBatchWeight: Int, maxBackgroundWeight: Int? = nil, maxQueuedWeight: [WriteBudget: Int],
         health: JournalWriteHealth, committers: Int = 1, commit: @escaping Commit) {
        let committers = max(1, committers)
        self.maxBatchWeight = max(1, maxBatchWeight)
        self.maxBackgroundWeight = max(1, min(maxBackgroundWeight ?? maxBatchWeight, maxBatchWeight))
        self.maxQueuedWeight = maxQueuedWeight.mapValues { max(1, $0) }
        self.health = health
        self.commit = commit
        self.state = Mutex(State(runningThreads: committers))
        for index in 0..<committers {
            let thread = Thread { [self] in
                // Named from the thread itself: only then does Foundation pass it on to the kernel (a
                // Linux thread otherwise keeps its creator's name, a cooperative pool thread's), so
                // `top -H` and profilers show it.
                Thread.current.name = index == 0 ? "journal-writer" : "journal-writer-\(index + 1)"
                runLoop()
            }
            thread.start()
        }
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
            submit(operation, weight: weight, budget: budget) { continuation.resume(returning: $0) }
        }
    }

    /// ``submit(_:weight:budget:)`` without suspending: `completion` gets the result, on the writer
    /// thread once the batch committed, or at once on the caller's thread when it is refused.
    ///
    /// For a caller that answers from the commit itself (ingest's 202): it spares the hop back to a
    /// task, which on a busy two-core machine was a scheduling wait of its own.
    package func submit(_ operation: Operation, weight: Int, budget: WriteBudget, completion: @escaping Completion) {
        let (rejection, wake) = state.withLock { state -> (JournalError?, Bool) in
            if let stopReason = health.stopReason { return (stopReason, false) }
            if state.closing { return (.closed, false) }
            let budgetWeight = state.budgetWeight[budget, default: 0]
            if budgetWeight > 0, budgetWeight + weight > maxQueuedWeight[budget, default: 1] {
                return (.overloaded, false)
            }
            state.queue.append(Pending(operation: operation, weight: weight, budget: budget, complete: completion))
            state.queuedWeight += weight
            state.budgetWeight[budget, default: 0] += weight
            return (nil, state.takeWaitingThread())
        }
        if let rejection { completion(.failure(rejection)) }
        if wake { wakeup.signal() }
    }

    /// Stops accepting operations, commits everything already queued, then ends the threads.
    package func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (finished, wakes) = state.withLock { state -> (Bool, Int) in
                state.closing = true
                if state.finished { return (true, 0) }
                state.closeWaiters.append(continuation)
                return (false, state.takeAllWaitingThreads())
            }
            wake(wakes)
            if finished { continuation.resume() }
        }
    }

    /// Stops accepting operations without waiting; the threads still drain what is queued.
    /// For `deinit` of the owner, which cannot await.
    package func closeWithoutWaiting() {
        let wakes = state.withLock { state -> Int in
            state.closing = true
            return state.takeAllWaitingThreads()
        }
        wake(wakes)
    }

    private func wake(_ threads: Int) {
        for _ in 0..<threads { wakeup.signal() }
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
            counters.withLock {
                $0.inFlightWeight += weight
                $0.inFlightBatches += 1
                $0.mostBatchesInFlight = max($0.mostBatchesInFlight, $0.inFlightBatches)
            }
            let results = commit(batch.map(\.operation))
            counters.withLock {
                $0.inFlightWeight -= weight
                $0.inFlightBatches -= 1
                $0.batches += 1
                $0.operations += batch.count
                $0.largestBatch = max($0.largestBatch, weight)
            }
            for (index, pending) in batch.enumerated() {
                let result = index < results.count
                    ? results[index]
                    : .failure(JournalError.failed.with(message: "commit returned too few results"))
                pending.complete(result)
            }
            if let stopReason = health.stopReason {
                fail(stopAccepting(), with: stopReason)
                break
            }
        }
        // The last thread to end resumes those waiting in close().
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.runningThreads -= 1
            guard state.runningThreads == 0 else { return [] }
            state.finished = true
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// After a fatal failure: refuses further submissions, takes everything queued, and wakes the
    /// sleeping threads so that they end.
    private func stopAccepting() -> [Pending] {
        let (queued, wakes) = state.withLock { state -> ([Pending], Int) in
            state.closing = true
            defer {
                state.queue = []
                state.queuedWeight = 0
                state.budgetWeight = [:]
            }
            return (state.queue, state.takeAllWaitingThreads())
        }
        wake(wakes)
        return queued
    }

    private func fail(_ batch: [Pending], with error: JournalError) {
        counters.withLock { $0.operations += batch.count }
        for pending in batch { pending.complete(.failure(error)) }
    }

    /// The next batch and its weight, or `nil` once closed and drained. Blocks the calling writer
    /// thread while the queue is empty.
    private func nextBatch() -> (batch: [Pending], weight: Int)? {
        while true {
            let batch = state.withLock { state -> (batch: [Pending], weight: Int)?? in
                if !state.queue.isEmpty {
                    return .some(Self.takeBatch(from: &state, limit: maxBatchWeight, backgroundLimit: maxBackgroundWeight))
                }
                if state.closing { return .some(nil) }
                state.waitingThreads += 1
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
