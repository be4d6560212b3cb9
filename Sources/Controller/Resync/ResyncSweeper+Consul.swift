import Consul
import Foundation
import Journal
import Logging
import MeshModel

extension ResyncSweeper {
    /// Deregisters our services on `node` whose task is gone; counts the foreign ones.
    func sweepCatalog(node: String, listedAlive: Set<String>, unreadable: Set<String>,
                      part: inout ResyncReport.Cluster, calls: inout ResyncReport.Calls, logger: Logger) async throws {
        calls.consulReads += 1
        guard let services = try await catalog.nodeServices(node: node, logger: logger) else { return }
        var statuses: [String: TaskStatus?] = [:]
        for service in services {
            guard let arn = service.meta[MeshNames.MetaKey.taskArn], statuses[arn] == nil else { continue }
            statuses[arn] = try journal.task(arn: arn)?.lastStatus
        }
        let plan = ResyncCatalogPlan(
            services: services, sourceMeta: configuration.sourceMeta, journal: { statuses[$0] ?? nil },
            listedAlive: listedAlive, unreadable: unreadable
        )
        part.foreignServices = plan.foreign
        var start = 0
        while start < plan.deregister.count {
            let chunk = Array(plan.deregister[start..<min(start + ConsulClient.maxTransactionOperations, plan.deregister.count)])
            calls.consulWrites += 1
            try await catalog.deregister(node: node, serviceIDs: chunk, logger: logger)
            part.deregistered += chunk.count
            start += chunk.count
        }
        if !plan.deregister.isEmpty {
            logger.info("Resync deregistered services whose task is gone", metadata: [
                "mesh.resync.deregistered": .stringConvertible(plan.deregister.count),
                "mesh.catalog.node": .string(node),
            ])
        }
        if plan.foreign > 0 {
            logger.debug("Services of other owners on the node were left alone", metadata: [
                "mesh.resync.foreign": .stringConvertible(plan.foreign),
            ])
        }
    }

    /// Hands idle service tokens of the swept clusters that the journal does not track to the token
    /// worker: a service record with the token's accessor and the grace clock starting now, and its
    /// work key. The token worker's own grace logic then deletes the token if no task appears.
    /// Tokens the journal already tracks are the token worker's already and are not touched.
    /// - Returns: Tokens adopted per cluster ARN.
    func adoptIdleTokens(of clusters: [String], calls: inout ResyncReport.Calls,
                         logger: Logger) async throws -> [String: Int] {
        calls.consulReads += 1
        let tokens = try await catalog.tokens(logger: logger)
        var adopted: [String: Int] = [:]
        var keys: [String] = []
        for token in tokens {
            for cluster in clusters {
                guard let name = ServiceTokenPlan.serviceName(fromTokenDescription: token.description, clusterArn: cluster)
                else { continue }
                let service = MeshServiceRef(clusterArn: cluster, name: name)
                guard index.liveTasks(of: service) == 0, try journal.service(name: name) == nil else { continue }
                try await journal.upsertService(ServiceRecord(
                    name: name, clusterArn: cluster, accessorID: token.accessorID, lastTaskSeenAt: now(), updatedAt: now()
                ))
                keys.append(service.workKey)
                adopted[cluster, default: 0] += 1
            }
        }
        if !keys.isEmpty {
            try await tokenWork.enqueue(keys)
            logger.info("Resync handed untracked idle tokens to the grace period", metadata: [
                "mesh.resync.tokens": .stringConvertible(keys.count),
            ])
        }
        return adopted
    }
}
