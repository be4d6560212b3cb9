/// Whether a failed piece of work may succeed later without anybody changing anything.
///
/// Every error a worker can meet has one of the two classes (DESIGN, "Work that heals itself"):
/// - ``transient``: the dependency is down, slow, overloaded or without a leader. Repeating the
///   same call later may succeed, so the work queue retries it with capped backoff for as long as
///   it lasts, and never parks it.
/// - ``permanent``: the request itself is wrong or not allowed (validation, AccessDenied, an
///   impossible tag). Repeating it changes nothing until someone fixes the cause, so the work
///   queue parks the key at once with its reason (a later event, resync, configuration change or
///   the periodic re-check wakes it).
public enum ErrorClass: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case transient
    case permanent

    /// The class of any error.
    ///
    /// A ``TransientClassifiable`` error answers for itself. `CancellationError` is transient (the
    /// work was interrupted, not refused). Any other error is **transient**: an error nobody
    /// classified must not park a key forever by accident; at worst it is retried with the capped
    /// backoff, visible per key, until someone classifies it.
    public init(of error: any Error) {
        switch error {
        case let classified as any TransientClassifiable:
            self = classified.isTransient ? .transient : .permanent
        default:
            self = .transient
        }
    }

    public var description: String { rawValue }
}

/// An error that knows whether it is transient: the one question the work queue asks of a failure.
///
/// Each error type answers where it is defined (`AWSError` from its HTTP status and error code,
/// `ConsulError` from its code, `JournalError`, `WorkerError` from its code or the error it wraps),
/// so there is one home for each classification.
public protocol TransientClassifiable: Error {
    /// True when repeating the same call later may succeed on its own (connection failures,
    /// timeouts, 5xx, 429 and throttling); false when it cannot until something changes.
    var isTransient: Bool { get }
}

extension TransientClassifiable {
    /// ``ErrorClass/transient`` or ``ErrorClass/permanent``.
    public var errorClass: ErrorClass { isTransient ? .transient : .permanent }
}
