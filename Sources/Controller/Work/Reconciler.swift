public import Logging

/// Converges the outside world (Consul, Secrets Manager) to the desired state behind one work key.
///
/// Level-triggered (DESIGN principle 2): `reconcile` reads the current desired state for `key` and
/// makes the world match it, so running it twice, late, or after a crash is harmless. The key is a
/// name ("task:<arn>", "service:<cluster>/<name>"), never a recipe.
///
/// ```swift
/// struct TaskRegistrationReconciler: Reconciler {
///     func reconcile(key: String, logger: Logger) async throws {
///         guard let arn = key.dropPrefix("task:") else { return }
///         // read the journal, plan, compare with what was written, write to Consul
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
    /// - Throws: Any error; its description becomes the key's `lastError` (so it must not contain
    ///   secrets) and the key is retried with backoff.
    func reconcile(key: String, logger: Logger) async throws
}
