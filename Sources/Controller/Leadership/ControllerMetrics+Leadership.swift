public import LeaderElection
import Metrics

extension ControllerMetrics: LeaderElectionObserver {
    /// Counts one lease attempt by outcome (`mesh_lease_renewals_total{outcome}`).
    public func leaseRenewal(outcome: LeaseRenewalOutcome) {
        Counter(label: Names.leaseRenewals, dimensions: [("outcome", outcome.rawValue)], factory: factory).increment()
    }

    /// Counts a change of role (`mesh_leader_changes_total`) and sets `mesh_leader` (1 leads, 0 follows).
    public func leadershipChanged(role: LeaseState.Role) {
        Counter(label: Names.leaderChanges, factory: factory).increment()
        leaderRole(role)
    }

    /// Sets `mesh_leader` without counting a change (start-up, and the single-process controller).
    public func leaderRole(_ role: LeaseState.Role) {
        Gauge(label: Names.leader, factory: factory).record(role == .leader ? 1 : 0)
    }
}

extension ControllerMetrics.Names {
    public static let leaderChanges = "mesh_leader_changes_total"
    public static let leaseRenewals = "mesh_lease_renewals_total"
    public static let leader = "mesh_leader"
}
