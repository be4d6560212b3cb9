extension MeshConfiguration {
    /// Resync sweeps (issue 6): what events missed is repaired from ECS and Consul listings.
    public struct Resync: Sendable, Equatable {
        /// Seconds between periodic sweeps (`resync.intervalSeconds`, `MESH_RESYNC_INTERVAL_SECONDS`);
        /// 0 disables periodic sweeps (start and `POST /v1/resync` still sweep).
        public var intervalSeconds = 300.0
        /// Clusters to sweep, names or ARNs (`resync.clusters`, `MESH_RESYNC_CLUSTERS`, comma-separated);
        /// empty means `webhook.allowedClusters`. ARNs let a sweep find the synthetic node of a cluster
        /// that has no task left.
        public var clusters: [String] = []
        /// Whether sweeps run at all (`resync.enabled`).
        public var enabled = true
        public init() {}

        /// The clusters a sweep covers: ``clusters``, else the webhook's allowed clusters.
        public func effectiveClusters(allowed: [String]) -> [String] {
            clusters.isEmpty ? allowed : clusters
        }
    }
}
