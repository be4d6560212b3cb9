import Synchronization

/// The bounded handoff from the loop thread to handler tasks.
///
/// The loop collects the requests admitted during one loop iteration and appends them under a
/// mutex in one go; a single consumer task takes them in batches and starts one child task per
/// request. The consumer is resumed only when it is waiting, so an iteration's worth of
/// requests costs the loop at most one resume (a thread wakeup). The bound
/// lives in the loop's ``RequestTable`` (requests admitted and not yet answered), which also
/// covers requests whose handlers are running.
final class HandlerDispatcher: Sendable {
    struct Job: Sendable {
        let token: RequestToken
        let listener: Int
        let request: HTTPRequest
    }

    private struct State {
        var jobs: [Job] = []
        var waiter: UnsafeContinuation<[Job]?, Never>?
        var isFinished = false
    }

    private let state = Mutex(State())

    /// Hands a batch of jobs to the consumer and leaves `jobs` empty. Called on the loop thread
    /// once per loop iteration; never blocks on handlers.
    func submit(_ jobs: inout [Job]) {
        guard !jobs.isEmpty else { return }
        var batch: [Job] = []
        swap(&batch, &jobs)
        let wake = state.withLock { state -> (UnsafeContinuation<[Job]?, Never>, [Job])? in
            guard !state.isFinished else { return nil }
            if let waiter = state.waiter {
                // A waiting consumer implies an empty queue: hand the batch over as is.
                state.waiter = nil
                return (waiter, batch)
            }
            state.jobs.append(contentsOf: batch)
            return nil
        }
        if let (waiter, batch) = wake { waiter.resume(returning: batch) }
    }

    /// Ends the stream: the consumer gets `nil` once the queue is empty; later jobs are dropped.
    func finish() {
        // A waiting consumer implies an empty queue (submit hands jobs straight to it).
        let waiter = state.withLock { state -> UnsafeContinuation<[Job]?, Never>? in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next batch, or `nil` after ``finish()``. Only one consumer may call this.
    func next() async -> [Job]? {
        await withUnsafeContinuation { continuation in
            let ready = state.withLock { state -> [Job]?? in
                if !state.jobs.isEmpty {
                    defer { state.jobs = [] }
                    return .some(state.jobs)
                }
                if state.isFinished { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
