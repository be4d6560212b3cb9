public import Foundation
public import LeaderElection

/// What `/v1/status` shows of the cluster on every replica: this replica's role, the leader, the
/// epoch and the replicas seen recently (the lease store's replicas table). A single-process
/// controller is a cluster of one that always leads, in epoch 1.
public struct ClusterView: Sendable {
    /// The cluster part of the status document.
    public struct Status: Sendable, Equatable, Encodable {
        public var replicaId: String
        /// `leader` or `follower`.
        public var role: LeaseState.Role
        /// The replica that holds the lease, if known.
        public var leaderId: String?
        /// The current term (this replica's while it leads, else the leader's last seen).
        public var epoch: Int64?
        /// Replicas that reported within the window, by ID.
        public var replicas: [Replica]
        /// Why the replicas could not be listed (the store failed); `replicas` then holds only this one.
        public var replicasError: String?
    }

    /// One replica in ``Status/replicas``.
    public struct Replica: Sendable, Equatable, Encodable {
        public var replicaId: String
        public var role: LeaseState.Role
        /// Its admin `host:port` as it announced it.
        public var address: String?
        public var seenAt: Date?
    }

    private let leadership: LeadershipGuard
    private let store: (any LeaseStore)?
    private let address: String?
    /// How recently a replica must have reported to be listed.
    private let window: Duration

    /// - Parameters:
    ///   - store: The replicas table; `nil` for the single process (it lists itself).
    ///   - address: This replica's admin address, listed for itself without a store.
    ///   - window: How recently a replica must have reported (a few renewal intervals).
    public init(leadership: LeadershipGuard, store: (any LeaseStore)? = nil, address: String? = nil,
                window: Duration = .seconds(30)) {
        self.leadership = leadership
        self.store = store
        self.address = address
        self.window = window
    }

    /// This replica's ID.
    public var replicaID: String { leadership.snapshot.replicaID }

    /// `nil` while this replica leads; else the leader's ID as far as known (`"unknown"` when none).
    public var followsLeader: String? {
        guard !leadership.isLeading else { return nil }
        return leadership.snapshot.leaderID ?? "unknown"
    }

    /// The cluster as this replica sees it now.
    public func status() async -> Status {
        let view = leadership.snapshot
        let role: LeaseState.Role = leadership.isLeading ? .leader : .follower
        let me = Replica(replicaId: view.replicaID, role: role, address: address, seenAt: nil)
        var status = Status(replicaId: view.replicaID, role: role, leaderId: view.leaderID, epoch: view.epoch,
                            replicas: [me])
        guard let store else { return status }
        do {
            status.replicas = try await store.replicas(seenWithin: window).map {
                Replica(replicaId: $0.replicaID, role: $0.role, address: $0.address, seenAt: $0.seenAt)
            }
        } catch {
            status.replicasError = "\(error)"
        }
        return status
    }
}
