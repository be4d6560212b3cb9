import ErrorClassification
import Logging
import MeshModel

/// Wraps the workers' ``Reconciler`` to count each attempt's outcome and time by key kind
/// (`task`, `service`, `client-token`), so the queue itself needs no metrics code.
struct MeasuredReconciler: Reconciler {
    let base: any Reconciler
    let metrics: ControllerMetrics

    func reconcile(key: String, logger: Logger) async throws -> ReconcileResult {
        let started = ContinuousClock.now
        let kind = Self.kind(of: key)
        let result: ReconcileResult
        do {
            result = try await base.reconcile(key: key, logger: logger)
        } catch {
            metrics.workAttempt(kind: kind, outcome: "failed", duration: ContinuousClock.now - started)
            throw error
        }
        metrics.workAttempt(kind: kind, outcome: "succeeded", duration: ContinuousClock.now - started)
        return result
    }

    /// The key's ``WorkKey/kind``, or `other` for a key no worker owns (a bounded label set).
    static func kind(of key: String) -> String {
        WorkKey(key)?.kind ?? "other"
    }
}

/// Counts the queue's decisions on failed attempts (``WorkQueueObserver``): retries and parkings by
/// key kind and error class.
struct WorkFailureMetrics: WorkQueueObserver {
    let metrics: ControllerMetrics

    func attemptFailed(key: String, errorClass: ErrorClass, parked: Bool) {
        metrics.workFailure(kind: MeasuredReconciler.kind(of: key), errorClass: errorClass.rawValue, parked: parked)
    }
}
