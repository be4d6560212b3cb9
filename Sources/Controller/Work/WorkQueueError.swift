/// Errors of the ``WorkQueue`` itself (reconciler errors are recorded per key, not thrown).
public struct WorkQueueError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case alreadyStarted
    }

    private let code: Code

    /// `run()` was called a second time; a queue runs once.
    public static let alreadyStarted = WorkQueueError(code: .alreadyStarted)

    public var description: String {
        switch code {
        case .alreadyStarted: "the work queue was already started; run() may be called once"
        }
    }
}
