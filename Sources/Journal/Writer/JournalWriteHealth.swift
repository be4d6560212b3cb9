package import Logging
import Synchronization

/// Whether the journal can write, for readiness and for the application's exit on a fatal failure.
public enum JournalWriteStatus: Sendable, Equatable {
    /// The last write committed (or nothing has been written yet).
    case healthy
    /// The last write failed for a reason that may pass (`SQLITE_BUSY`, `SQLITE_LOCKED`, out of
    /// memory); the next successful write makes the journal healthy again.
    case failing(JournalError)
    /// A fatal write failure stopped the writer (``JournalError/isFatalWriteFailure``): nothing more
    /// is acknowledged until the process is restarted and the file verified.
    case stopped(JournalError)
}

/// The one record of the journal's write health, shared by every path that writes the file: the
/// group-commit writer's transactions, the heartbeat health writes beside it, and the background
/// checkpoints. The first fatal failure on any of them stops all writes for good.
///
/// Thread safety: all state sits behind one `Mutex`; waiters are resumed outside it.
package final class JournalWriteHealth: Sendable {
    private struct State: Sendable {
        var lastFailure: JournalError?
        var stopReason: JournalError?
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<JournalError?, Never>] = [:]
    }

    private let state = Mutex(State())
    private let logger: Logger

    package init(logger: Logger) {
        self.logger = logger
    }

    /// The current status.
    package var status: JournalWriteStatus {
        state.withLock { state in
            if let stopReason = state.stopReason { return .stopped(stopReason) }
            if let lastFailure = state.lastFailure { return .failing(lastFailure) }
            return .healthy
        }
    }

    /// Set once a fatal failure stopped the writes: a ``JournalError/stopped`` naming it.
    package var stopReason: JournalError? { state.withLock { $0.stopReason } }

    /// A write committed.
    package func recordSuccess() {
        state.withLock { $0.lastFailure = nil }
    }

    /// A write failed. Failures of the database itself (``JournalError/isDatabaseWide``) make the
    /// journal `failing`; fatal ones stop it (once: later failures keep the first reason).
    /// Failures of one operation (a constraint, a missing key) say nothing about the file.
    package func recordFailure(_ error: JournalError) {
        guard error.isDatabaseWide, error != .closed else { return }
        guard error.isFatalWriteFailure else {
            state.withLock { $0.lastFailure = error }
            return
        }
        let (stopped, waiters) = state.withLock { state -> (JournalError?, [CheckedContinuation<JournalError?, Never>]) in
            state.lastFailure = error
            guard state.stopReason == nil else { return (nil, []) }
            let reason = error == .stopped ? error
                : JournalError.stopped.with(message: error.description, extendedResultCode: error.extendedResultCode)
            state.stopReason = reason
            defer { state.waiters = [:] }
            return (reason, Array(state.waiters.values))
        }
        guard let stopped else { return }
        logger.critical("Journal writes stopped after a fatal write failure; nothing more is acknowledged and the process must be restarted", metadata: [
            "db.error": "\(error)",
            "db.extendedResultCode": "\(error.extendedResultCode.map(String.init) ?? "none")",
        ])
        for waiter in waiters { waiter.resume(returning: stopped) }
    }

    /// Suspends until a fatal failure stops the writes and returns its reason; returns `nil` at
    /// once when the calling task is cancelled.
    package func waitUntilStopped() async -> JournalError? {
        let id = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<JournalError?, Never>) in
                let immediate = state.withLock { state -> JournalError?? in
                    if let stopReason = state.stopReason { return .some(stopReason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
