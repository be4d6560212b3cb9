import MeshModel
import Synchronization

/// The streams of ``EventJournal/workSignals()``: after each commit, the keys it marked pending go
/// to every open stream (``JournalStore/workSignals()`` has the contract).
///
/// Each stream buffers at most ``bufferLimit`` commits for a consumer that lags. When one is
/// dropped for that, the stream owes its consumer an empty array ("re-read the work table"), which
/// it yields as soon as there is room again, before any later keys.
///
/// Thread safety: the subscribers sit behind one `Mutex`; streams are finished outside it (their
/// termination handlers take it again).
package final class WorkSignalHub: Sendable {
    static let bufferLimit = 1024

    private struct Subscriber: Sendable {
        var continuation: AsyncStream<[String]>.Continuation
        /// A commit's keys were dropped: yield `[]` before anything else.
        var owesRescan = false
    }

    private struct State: Sendable {
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
        var finished = false
    }

    private let state = Mutex(State())

    package init() {}

    /// A new stream of marked keys; one that is already finished when the hub is.
    package func stream() -> AsyncStream<[String]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [String].self,
                                                            bufferingPolicy: .bufferingOldest(Self.bufferLimit))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(continuation: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Hands `keys` (one commit's) to every stream; nothing when empty.
    package func publish(_ keys: [String]) {
        guard !keys.isEmpty else { return }
        state.withLock { state in
            for (id, var subscriber) in state.subscribers {
                if subscriber.owesRescan, case .enqueued = subscriber.continuation.yield([]) {
                    subscriber.owesRescan = false
                }
                if !subscriber.owesRescan, case .dropped = subscriber.continuation.yield(keys) {
                    subscriber.owesRescan = true
                }
                state.subscribers[id] = subscriber
            }
        }
    }

    /// Tells every stream that keys may have been missed: each yields `[]` ("re-read the work
    /// table") now, or as soon as it has room.
    package func publishRescan() {
        state.withLock { state in
            for (id, var subscriber) in state.subscribers {
                if case .dropped = subscriber.continuation.yield([]) { subscriber.owesRescan = true }
                state.subscribers[id] = subscriber
            }
        }
    }

    /// Ends every stream, and every stream asked for later.
    package func finish() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
    }
}

extension WriteOperation {
    /// The work keys this operation marked pending, given what it produced in a committed batch:
    /// the task keys of applied events, explicitly marked keys, and the wake key of a stored health
    /// transition.
    func markedKeys(_ output: WriteOutput) -> [String] {
        switch (self, output) {
        case (.markWork(let keys, _), _):
            keys
        case (.append, .appended(let results)):
            results.filter { $0.outcome == .applied }.map { WorkKey.task(arn: $0.taskArn).rawValue }
        case (.recordHealth(_, let wakeKey), .stored(true)):
            [wakeKey]
        default:
            []
        }
    }
}
