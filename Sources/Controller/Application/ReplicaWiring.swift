import LeaderElection
import Logging
import PostgresLeaderElection
import PostgresNIO
import PostgresSupport
import ServiceLifecycle

/// What a replica on the shared PostgreSQL journal runs besides the journal: the election with its
/// own small client (renewals never queue behind journal writes), and the heartbeat sightings with
/// another. The journal's work signals wake the leader; the sightings keep the heartbeat TTL whole
/// when a task's heartbeats land on several replicas.
struct ReplicaWiring: Sendable {
    let replicaID: String
    let replicated: ReplicatedLeadership
    let sightingsClient: PostgresClient
    let sightings: PostgresHeartbeatSightings

    /// - Throws: ``ConfigurationError`` or ``LeaseConfigurationError`` for settings the loader
    ///   checked already.
    init(configuration: MeshConfiguration, adminAddress: String, observer: (any LeaderElectionObserver)?,
         logger: Logger) throws {
        let settings = try configuration.postgresConnectionSettings()
        var ha = configuration.ha
        replicaID = ha.replicaId ?? MeshConfiguration.HA.defaultReplicaID()
        ha.replicaId = replicaID
        replicated = try ReplicatedLeadership(configuration: ha,
                                              clientConfiguration: try PostgresClientFactory.configuration(settings),
                                              adminAddress: adminAddress, observer: observer, logger: logger)
        sightingsClient = try PostgresClientFactory.makeClient(settings, maxConnections: 2, logger: logger)
        sightings = PostgresHeartbeatSightings(client: sightingsClient, logger: logger)
    }

    /// The guard of every effect and every work-recording journal write.
    var leadership: LeadershipGuard { replicated.leadership }

    /// What `/v1/status` shows: the lease, and the replicas of the replicas table.
    var cluster: ClusterView { replicated.cluster }

    /// The clients, then the elector: they go before the leader's term runner in the app's group,
    /// so on shutdown the term stops first, then the elector releases the lease, then the clients close.
    var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        [.init(service: replicated.client), .init(service: sightingsClient), .init(service: replicated.elector)]
    }
}
