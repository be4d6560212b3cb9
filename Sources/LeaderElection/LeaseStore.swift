public import Foundation

/// Where the lease lives: one record, changed only by atomic conditional writes timed by the
/// store's own clock, so that the clocks of the replicas do not matter.
///
/// ``PostgresLeaseStore`` is the implementation the controller runs; a single-process controller
/// needs none (``LeadershipGuard/standalone``).
public protocol LeaseStore: Sendable {
    /// Creates what the store needs (tables) when missing; safe when several replicas do it at once.
    func prepare() async throws

    /// Renews the lease when `holder` (``LeaseConfiguration/holderID``) holds it and it has not
    /// expired; takes it, with the epoch one higher, when it is free or expired; else changes
    /// nothing. One atomic statement.
    /// - Returns: The lease after the attempt (its holder may be another replica).
    /// - Throws: The store's error; the caller then knows nothing new.
    func acquireOrRenew(holder: String, leaseDuration: Duration) async throws -> LeaseRecord

    /// Ends the lease at once when `holder` holds it in `epoch` (a graceful stop), so that
    /// another replica can take over without waiting for it to expire.
    func release(holder: String, epoch: Int64) async throws

    /// The lease's current holder and epoch, whether expired or not; `nil` when no replica ever held it.
    func current() async throws -> LeaseRecord?

    /// Records that `replicaID` is alive (the replicas table behind `/v1/status`).
    func recordReplica(_ replica: ReplicaRecord) async throws

    /// Replicas seen within `window` of the store's clock, by ID.
    func replicas(seenWithin window: Duration) async throws -> [ReplicaRecord]
}

/// One replica as the replicas table shows it.
public struct ReplicaRecord: Sendable, Equatable, Codable {
    public var replicaID: String
    /// Where its admin API listens, as it announced it (`host:port`), if known.
    public var address: String?
    /// The role it reported with this record.
    public var role: LeaseState.Role
    /// When the store last heard from it (the store's clock); `nil` on a record not yet written.
    public var seenAt: Date?

    public init(replicaID: String, address: String?, role: LeaseState.Role, seenAt: Date? = nil) {
        self.replicaID = replicaID
        self.address = address
        self.role = role
        self.seenAt = seenAt
    }
}
