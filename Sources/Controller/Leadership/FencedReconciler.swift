import LeaderElection
import Logging

/// Runs a work key only while this replica leads: the local lease check before every attempt, so a
/// replica whose term ended (or whose deadline passed in a pause) starts nothing more. Destructive
/// calls check again, with the epoch, right before they go out.
struct FencedReconciler: Reconciler {
    let base: any Reconciler
    let leadership: LeadershipGuard

    func reconcile(key: String, logger: Logger) async throws -> ReconcileResult {
        try leadership.ensureLeading()
        return try await base.reconcile(key: key, logger: logger)
    }
}
