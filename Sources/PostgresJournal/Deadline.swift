import Journal
import Synchronization

/// Runs `body`, and gives up on it once `limit` has passed: the caller gets
/// ``JournalError/unavailable`` at once, and `body` is cancelled.
///
/// For waits on the server that must not last longer than a client waits for its answer: a pool
/// that cannot connect keeps a request waiting until its circuit breaker opens, and a peer that
/// accepts TCP but never answers the startup message keeps it waiting for good. The caller does not
/// wait for `body` to notice the cancellation (only cancellable waits end early; a query in flight
/// ends when its connection fails), so an abandoned transaction may still commit later: its caller
/// was told "unavailable", never success, and its retry is journaled as a duplicate.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = Once<Result<T, any Error>>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.onResult { continuation.resume(with: $0) }
        let work = Task {
            do {
                outcome.finish(.success(try await body()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            guard !Task.isCancelled else { return }
            outcome.finish(.failure(JournalError.unavailable.with(message: "PostgreSQL did not answer within \(limit)")))
            work.cancel()
        }
        outcome.onResult { _ in timer.cancel() }
    }
}

/// A result delivered once, to the handlers registered before or after it.
private final class Once<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var handlers: [@Sendable (Value) -> Void] = []
    }

    private let state = Mutex(State())

    func onResult(_ handler: @escaping @Sendable (Value) -> Void) {
        let value = state.withLock { state -> Value? in
            if state.value == nil { state.handlers.append(handler) }
            return state.value
        }
        if let value { handler(value) }
    }

    func finish(_ value: Value) {
        let handlers = state.withLock { state -> [@Sendable (Value) -> Void] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler(value) }
    }
}
