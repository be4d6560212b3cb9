public import ErrorClassification

/// Told by the ``WorkQueue`` what it decided about each failed attempt, so metrics can count
/// retries and parkings by class without the queue knowing about metrics.
///
/// Called on the queue's actor: implementations must return at once (count, do not wait).
public protocol WorkQueueObserver: Sendable {
    /// An attempt at `key` failed with an error of `errorClass`.
    /// - Parameter parked: `true` when the key was parked; `false` when it will be retried.
    func attemptFailed(key: String, errorClass: ErrorClass, parked: Bool)
}
