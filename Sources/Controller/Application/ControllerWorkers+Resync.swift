import AWS
import Consul
import Foundation
import Journal
import LeaderElection
import Logging
import MeshModel

extension ControllerWorkers {
    /// The resync service over the workers' ECS and Consul clients, or `nil` when disabled or when no
    /// cluster is configured (it then logs why: a sweep of "every cluster" cannot be listed).
    static func makeResync(configuration: MeshConfiguration, ecs: ECSClient, consul: ConsulClient,
                           catalog: ConsulMeshCatalog, journal: any JournalStore,
                           queue: WorkQueue, index: ServiceTaskIndex, catalogWriteLog: CatalogWriteLog,
                           verified: VerifiedServices, leadership: LeadershipGuard? = nil,
                           logger: Logger) -> ResyncService? {
        let resync = configuration.resync
        guard resync.enabled else {
            logger.info("Resync disabled (resync.enabled=false)")
            return nil
        }
        let clusters = resync.effectiveClusters(allowed: configuration.webhook.allowedClusters)
        guard !clusters.isEmpty else {
            logger.warning("Resync disabled: no cluster configured (set resync.clusters or webhook.allowedClusters)")
            return nil
        }
        let sweeper = ResyncSweeper(
            ecs: ecs, catalog: ConsulResyncCatalog(consul: consul, writer: fenced(catalog, leadership)),
            journal: journal, queue: queue, index: index,
            configuration: .init(clusters: clusters, sourceMeta: MeshPlanConfiguration.defaultSourceMeta,
                                 checksClientToken: configuration.mesh.clientToken),
            catalogWriteLog: catalogWriteLog, verifiedTokens: verified
        )
        let interval: Duration? = resync.intervalSeconds > 0
            ? .milliseconds(Int64(resync.intervalSeconds * 1000)) : nil
        return ResyncService(sweeper: sweeper, interval: interval, logger: logger)
    }
}
