import Consul
import Foundation
import Journal
import Logging
import MeshModel

extension ResyncSweeper {
    /// Deregisters our services on `node` whose task is gone; counts the foreign ones; registers again
    /// the tasks whose registration is missing from the node.
    /// - Parameter journaled: The journal's tasks of the cluster, read earlier in this sweep.
    func sweepCatalog(node: String, journaled: [String: TaskRecord], listedAlive: Set<String>, unreadable: Set<String>,
                      part: inout ResyncReport.Cluster, calls: inout ResyncReport.Calls, logger: Logger) async throws {
        let expected = try await expectedRegistrations(of: journaled.values)
        calls.consulReads += 1
        // No node at all: nothing to deregister, and every expected registration is missing.
        let services = try await catalog.nodeServices(node: node, logger: logger) ?? []
        // Read now, in one query: this sweep's observations may have changed them.
        let tasks = try await journal.tasks(arns: services.compactMap { $0.meta[MeshNames.MetaKey.taskArn] })
        let plan = ResyncCatalogPlan(
            services: services, sourceMeta: configuration.sourceMeta, journal: { tasks[$0]?.lastStatus },
            listedAlive: listedAlive, unreadable: unreadable, expected: expected
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
        try await restore(plan.restore, part: &part, logger: logger)
    }

    /// The service and proxy IDs of every task the journal holds registered on the node: a running
    /// mesh task, not draining, with an address and a service port (the registration worker skips a
    /// task without them), whose task key the worker finished or parked. A parked key whose
    /// registration is missing is still wrong, so the sweep marks it again (nothing stays parked
    /// forever). A task with work still pending is left to that work; that includes any task this
    /// sweep's observations changed, since an applied observation marks the key. The keys are read
    /// now, before the node's services.
    private func expectedRegistrations(of tasks: some Collection<TaskRecord>) async throws -> [String: [String]] {
        let registered = tasks.filter { $0.lastStatus == .running && $0.desiredStatus != .stopped && !($0.address ?? "").isEmpty }
        let metas = try await journal.taskMeta(arns: registered.map(\.taskArn))
        let work = try await journal.workItems(keys: registered.map { WorkKey.task(arn: $0.taskArn).rawValue })
        var expected: [String: [String]] = [:]
        for task in registered {
            guard let meta = metas[task.taskArn], meta.mesh, let name = meta.serviceName, meta.servicePort != nil,
                  let state = work[WorkKey.task(arn: task.taskArn).rawValue]?.state, state == .done || state == .failed
            else { continue }
            let serviceID = MeshNames.serviceID(service: name, taskID: task.taskID)
            expected[task.taskArn] = [serviceID, MeshNames.proxyID(serviceID: serviceID)]
        }
        return expected
    }

    /// Hands tasks whose registration is missing back to the registration worker. Its memory of
    /// what it last wrote is dropped first: it skips a write equal to the last one, and that
    /// write is exactly what is gone.
    private func restore(_ taskArns: [String], part: inout ResyncReport.Cluster, logger: Logger) async throws {
        guard !taskArns.isEmpty else { return }
        for arn in taskArns { catalogWriteLog?.forget(taskArn: arn) }
        try await queue.enqueue(taskArns.map { WorkKey.task(arn: $0).rawValue })
        part.restored += taskArns.count
        logger.notice("Resync found registrations missing from Consul; their tasks are registered again", metadata: [
            "mesh.resync.restored": .stringConvertible(taskArns.count),
            "mesh.task.arn": .string(taskArns[0]),
        ])
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
        var tracked = Set(try await journal.services().map(\.name))
        var adopted: [String: Int] = [:]
        var keys: [String] = []
        for token in tokens {
            for cluster in clusters {
                guard let name = ServiceTokenPlan.serviceName(fromTokenDescription: token.description, clusterArn: cluster),
                      index.liveClusters(ofService: name).isEmpty, tracked.insert(name).inserted
                else { continue }
                try await journal.upsertService(ServiceRecord(
                    name: name, clusterArn: cluster, accessorID: token.accessorID, lastTaskSeenAt: now(), updatedAt: now()
                ))
                keys.append(WorkKey.service(name: name).rawValue)
                adopted[cluster, default: 0] += 1
            }
        }
        if !keys.isEmpty {
            try await queue.enqueue(keys)
            logger.info("Resync handed untracked idle tokens to the grace period", metadata: [
                "mesh.resync.tokens": .stringConvertible(keys.count),
            ])
        }
        return adopted
    }
}

extension ResyncSweeper {
    /// Has the token of every service with live tasks in `clusters` checked again: forgets that the
    /// token worker verified it and runs its key (and the client token's, when configured). The
    /// workers read the secret and the token and write only to repair (see ``TokenRepair``).
    /// - Returns: Services checked per cluster ARN.
    func checkLiveTokens(of clusters: [String], logger: Logger) async throws -> [String: Int] {
        var names = Set<String>()
        var checked: [String: Int] = [:]
        for cluster in clusters {
            let live = index.liveServiceNames(inCluster: cluster)
            checked[cluster] = live.count
            names.formUnion(live)
        }
        verifiedTokens?.forget(names)
        var keys = names.sorted().map { WorkKey.service(name: $0).rawValue }
        if configuration.checksClientToken { keys.append(WorkKey.clientToken.rawValue) }
        guard !keys.isEmpty else { return checked }
        try await queue.enqueue(keys)
        logger.debug("Resync has the tokens of live services checked", metadata: [
            "mesh.resync.tokens_checked": .stringConvertible(names.count),
        ])
        return checked
    }
}
