/// Told about every AWS call (all its attempts together) once it has finished, for metrics and "did
/// AWS answer recently" (the admin status). The AWS module defines the seam; the controller
/// implements it.
///
/// Called on the calling task before the caller sees the result: implementations must be quick.
public protocol AWSCallObserver: Sendable {
    /// - Parameters:
    ///   - service: The signing name, e.g. `ecs`, `secretsmanager`.
    ///   - operation: The operation, e.g. `DescribeTasks`.
    ///   - duration: The whole call, retries and backoff included.
    ///   - errorCode: `nil` on success, else ``AWSError/code``.
    ///   - answered: Whether AWS answered at all (an error response counts; a timeout does not).
    func awsCallFinished(service: String, operation: String, duration: Duration, errorCode: String?, answered: Bool)
}
