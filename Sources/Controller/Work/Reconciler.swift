public import ErrorClassification
public import Foundation
public import Logging

/// Converges the outside world (Consul, Secrets Manager) to the desired state behind one work key.
///
/// Level-triggered (DESIGN principle 2): `reconcile` reads the current desired state for `key` and
/// makes the world match it, so running it twice, late, or after a crash is harmless. The key is a
/// name ("task:<arn>", "service:<name>"), never a recipe. What should be queued next is part of
/// the answer (``ReconcileResult``); the ``WorkQueue`` does it, so a reconciler never holds the queue.
///
/// ```swift
/// struct TaskRegistrationReconciler: Reconciler {
///     func reconcile(key: String, logger: Logger) async throws -> ReconcileResult {
///         guard let arn = key.dropPrefix("task:") else { return .done }
///         // read the journal, plan, compare with what was written, write to Consul
///         return membershipChanged ? .enqueue(["service:\(name)"]) : .done
///     }
/// }
/// ```
public protocol Reconciler: Sendable {
    /// Converges the state named by `key`.
    ///
    /// Called by ``WorkQueue``, never concurrently for the same key, possibly concurrently for
    /// different keys.
    /// - Parameters:
    ///   - key: The work key.
    ///   - logger: Carries `mesh.work.key` and `mesh.work.attempt`; log through it.
    /// - Returns: What the queue should do next besides settling `key`.
    /// - Throws: Any error; its description becomes the key's `lastError` (so it must not contain
    ///   secrets) and the key is retried with backoff. A ``ReconcileFailure`` also names keys the
    ///   attempt made due before it failed; the queue marks them all the same.
    func reconcile(key: String, logger: Logger) async throws -> ReconcileResult
}

/// A failed attempt that made other keys due before it failed (a task whose arrival makes its
/// service's token due, while Consul refuses its registration): the ``WorkQueue`` marks
/// ``enqueue`` as after a success, and records ``underlying`` as the attempt's failure.
public struct ReconcileFailure: Error, TransientClassifiable, CustomStringConvertible {
    /// What failed; its class and description are the failure's.
    public var underlying: any Error
    /// Keys that are due whatever became of the attempt.
    public var enqueue: [String]

    public init(_ underlying: any Error, enqueue: [String]) {
        self.underlying = underlying
        self.enqueue = enqueue
    }

    public var isTransient: Bool { ErrorClass(of: underlying) == .transient }

    public var description: String { String(describing: underlying) }
}

/// What a converged key asks the ``WorkQueue`` to do next (controller-runtime's `Result`, plus the
/// keys this one made due).
///
/// The queue marks ``enqueue`` durably *before* it settles the key, so a crash between the two
/// runs the key again rather than losing the follow-ups; a store failure there counts as a
/// transient failure of the attempt, and the queue keeps the follow-ups for its next attempt.
/// (A failed attempt names its follow-ups in a ``ReconcileFailure``.)
public struct ReconcileResult: Sendable, Equatable {
    /// Other keys that are due now (a service's token key when its tasks changed).
    public var enqueue: [String]
    /// Run this key again, not before this time, without counting a failed attempt (the end of a
    /// token's grace period). In memory only: after a restart, the start-up sweep re-checks every
    /// service, which asks again. A later attempt's answer replaces it.
    public var notBefore: Date?

    public init(enqueue: [String] = [], notBefore: Date? = nil) {
        self.enqueue = enqueue
        self.notBefore = notBefore
    }

    /// Converged; nothing follows.
    public static let done = ReconcileResult()

    /// Converged; `keys` are due now.
    public static func enqueue(_ keys: [String]) -> ReconcileResult { ReconcileResult(enqueue: keys) }

    /// Converged for now; run the key again at `date`.
    public static func again(notBefore date: Date) -> ReconcileResult { ReconcileResult(notBefore: date) }
}
