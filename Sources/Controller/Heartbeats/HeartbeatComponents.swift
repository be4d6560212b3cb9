public import Journal
public import LeaderElection
public import Logging

/// The heartbeat path wired together: identity cache, liveness tracker, transition recorder, the
/// `POST /v1/heartbeats` handler and the TTL sweep (a service for the app's group).
///
/// ```swift
/// let heartbeats = try await HeartbeatComponents(journal: journal, scheduler: queue, configuration: config.heartbeat, logger: logger)
/// router.add(.post, "/v1/heartbeats", handler: heartbeats.handler.handle)
/// services.append(.init(service: heartbeats.expiry))
/// ```
public struct HeartbeatComponents: Sendable {
    public let authority: HeartbeatAuthority
    public let tracker: HeartbeatTracker
    public let recorder: HeartbeatRecorder
    public let handler: HeartbeatHandler
    public let expiry: HeartbeatExpiry
    /// Replicas only: the flush of the tasks this replica heard (a service for every replica's group).
    public let flusher: HeartbeatSightingFlusher?

    /// Builds the components and loads task identities, token hashes and journaled health.
    /// - Parameters:
    ///   - leadership: The TTL sweep expires tasks only while this replica leads.
    ///   - sightings: The replicas' shared sightings (`journal.backend=postgres`), flushed as
    ///     `replicaID`; `nil` for a single process.
    /// - Throws: ``JournalError`` if the journal cannot be read.
    public init(journal: any JournalStore, scheduler: (any WorkScheduler)?, configuration: MeshConfiguration.Heartbeat,
                metrics: ControllerMetrics? = nil, leadership: LeadershipGuard? = nil,
                sightings: (store: any HeartbeatSightingStore, replicaID: String)? = nil,
                logger: Logger) async throws(JournalError) {
        authority = HeartbeatAuthority(journal: journal)
        try await authority.preload()
        tracker = HeartbeatTracker(collectsSightings: sightings != nil)
        tracker.restore(try await journal.taskHealthRecords())
        recorder = HeartbeatRecorder(journal: journal, tracker: tracker, scheduler: scheduler, metrics: metrics, logger: logger)
        handler = HeartbeatHandler(authority: authority, recorder: recorder, metrics: metrics,
                                   maxBatch: configuration.maxBatch, logger: logger)
        let expiry = HeartbeatExpiry(ttl: .milliseconds(Int64(configuration.ttlSeconds * 1000)), journal: journal,
                                     tracker: tracker, authority: authority, recorder: recorder, leadership: leadership,
                                     sightings: sightings?.store, logger: logger)
        self.expiry = expiry
        let tracker = tracker
        flusher = sightings.map {
            HeartbeatSightingFlusher(tracker: tracker, store: $0.store, replicaID: $0.replicaID, expiry: expiry, logger: logger)
        }
    }
}
