/// How long a lease lasts, how often it is renewed, and who asks.
///
/// The defaults (10 s lease, renewal every 2 s) put a failover after a leader dies at most
/// ``leaseDuration`` + ``renewInterval`` (12 s) away, and let a leader miss four renewals in a row
/// before it steps down.
public struct LeaseConfiguration: Sendable, Equatable {
    public static let defaultLeaseDuration = Duration.seconds(10)
    public static let defaultRenewInterval = Duration.seconds(2)

    /// This replica's name in `/v1/status` and the replicas table (`ha.replicaId`).
    public var replicaID: String
    /// This process's instance of the replica, random per process (``LeaseHolder``).
    public var instanceID: String
    /// How long a granted lease lasts, timed by the store's clock.
    public var leaseDuration: Duration
    /// How often the leader renews and followers try to acquire.
    public var renewInterval: Duration

    /// - Throws: ``LeaseConfigurationError`` when the lease is not longer than twice the renewal
    ///   interval, when a duration is not positive, or when the replica ID is empty.
    public init(replicaID: String, leaseDuration: Duration = Self.defaultLeaseDuration,
                renewInterval: Duration = Self.defaultRenewInterval,
                instanceID: String = LeaseHolder.newInstanceID()) throws(LeaseConfigurationError) {
        guard !replicaID.isEmpty, replicaID.utf8.count <= 200 else { throw .replicaID }
        guard renewInterval > .zero else { throw .renewInterval }
        guard leaseDuration >= renewInterval * 2 else { throw .leaseDuration }
        self.replicaID = replicaID
        self.instanceID = instanceID
        self.leaseDuration = leaseDuration
        self.renewInterval = renewInterval
    }

    /// This process in the lease row: the replica ID and the instance ID.
    public var holderID: String {
        LeaseHolder.id(replicaID: replicaID, instanceID: instanceID)
    }

    /// Taken off the lease for the local deadline: a tenth of the lease, for clocks that run at
    /// slightly different rates on this host and on the database's.
    public var safetyMargin: Duration {
        leaseDuration / 10
    }
}

/// A lease setting that cannot be used.
public enum LeaseConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The replica ID is empty or longer than 200 bytes.
    case replicaID
    /// The renewal interval is not positive.
    case renewInterval
    /// The lease is shorter than two renewal intervals.
    case leaseDuration

    public var description: String {
        switch self {
        case .replicaID: "the replica ID must be 1 to 200 bytes long"
        case .renewInterval: "the renewal interval must be positive"
        case .leaseDuration: "the lease must last at least two renewal intervals"
        }
    }
}
