public import ErrorClassification

/// Errors of the ``WorkQueue`` itself (reconciler errors are recorded per key, not thrown).
public struct WorkQueueError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case alreadyStarted
        case followUpsNotMarked(keys: [String], reason: String)
    }

    private let code: Code

    /// `run()` was called a second time; a queue runs once.
    public static let alreadyStarted = WorkQueueError(code: .alreadyStarted)

    /// The store could not mark the keys a converged key made due (``ReconcileResult/enqueue``);
    /// the attempt counts as a transient failure and its next one marks them.
    public static func followUpsNotMarked(_ keys: [String], underlying: any Error) -> WorkQueueError {
        WorkQueueError(code: .followUpsNotMarked(keys: keys, reason: String(describing: underlying)))
    }

    public var description: String {
        switch code {
        case .alreadyStarted:
            "the work queue is already running; run() may be called again only after it returned"
        case .followUpsNotMarked(let keys, let reason):
            "could not mark the keys this attempt made due (\(keys.joined(separator: ", "))): \(reason)"
        }
    }
}

extension WorkQueueError: TransientClassifiable {
    /// Marking follow-ups fails only when the store does; the attempt is retried.
    public var isTransient: Bool {
        switch code {
        case .alreadyStarted: false
        case .followUpsNotMarked: true
        }
    }
}
