import Synchronization

/// A one-shot event that any number of tasks can await; signalled once, it stays signalled.
final class AsyncSignal: Sendable {
    private struct State {
        var isSignaled = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isSignaled: Bool { state.withLock { $0.isSignaled } }

    /// Wakes every waiter, now and in the future. Safe from any thread, idempotent.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isSignaled else { return [] }
            state.isSignaled = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``signal()`` has been called (immediately if it already was).
    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.isSignaled { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
