public import LeaderElection
public import Logging
import PostgresLeaderElection
public import PostgresNIO

/// Leadership for replicas on one PostgreSQL database (`journal.backend=postgres`): the elector
/// over the lease row, its guard (the fence of every effect) and the cluster view for `/v1/status`.
///
/// The lease has its own small client: renewals must never queue behind a storm of journal writes.
/// Run ``client`` and ``elector`` in the app's service group, the elector after the client.
public struct ReplicatedLeadership: Sendable {
    public let client: PostgresClient
    public let elector: LeaderElector
    public let cluster: ClusterView
    public var leadership: LeadershipGuard { elector.leadership }

    /// - Parameters:
    ///   - configuration: `ha.*`.
    ///   - clientConfiguration: The database (the journal's settings); at most two connections are used.
    ///   - adminAddress: This replica's admin `host:port`, announced in the replicas table.
    /// - Throws: ``LeaseConfigurationError`` for unusable `ha.*` values (the loader checks them first).
    public init(configuration: MeshConfiguration.HA, clientConfiguration: PostgresClient.Configuration,
                adminAddress: String, observer: (any LeaderElectionObserver)?, logger: Logger) throws {
        var clientConfiguration = clientConfiguration
        clientConfiguration.options.maximumConnections = 2
        client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let lease = try LeaseConfiguration(
            replicaID: configuration.replicaId ?? MeshConfiguration.HA.defaultReplicaID(),
            leaseDuration: .milliseconds(Int64(configuration.leaseSeconds * 1000)),
            renewInterval: .milliseconds(Int64(configuration.renewSeconds * 1000)))
        let store = PostgresLeaseStore(client: client, logger: logger)
        elector = LeaderElector(configuration: lease, store: store, address: adminAddress, observer: observer,
                                logger: logger)
        // Listed while seen within three renewals or one lease, whichever is longer.
        cluster = ClusterView(leadership: elector.leadership, store: store, address: adminAddress,
                              window: max(lease.leaseDuration, lease.renewInterval * 3))
    }
}
