/// Told about every Consul HTTP call once it has finished, for metrics and "did Consul answer
/// recently" (the admin status). The Consul module defines the seam; the controller implements it.
///
/// Called on the calling task, after the answer (or the failure) and before the caller sees it:
/// implementations must be quick and must not block.
public protocol ConsulCallObserver: Sendable {
    /// - Parameters:
    ///   - method: The HTTP method, e.g. `PUT`.
    ///   - path: The request path as sent (it may hold IDs and names; never the token).
    ///   - duration: From sending to the whole answer read.
    ///   - status: The HTTP status, or `nil` when no answer came.
    ///   - errorCode: `nil` on a 2xx answer, else ``ConsulError/code`` as text.
    func consulCallFinished(method: String, path: String, duration: Duration, status: Int?, errorCode: String?)
}
