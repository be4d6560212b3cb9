import Foundation
import Journal
import Logging
import MeshModel

extension ControllerWorkers {
    /// Prepares the workers before the queue runs: rebuilds the service index from the journal and
    /// enqueues every service's token key, so that tokens are verified once per start and grace
    /// periods whose timers died with the last process are re-armed. Task keys need nothing here:
    /// the queue resumes the journal's pending keys itself.
    /// - Throws: The journal's error.
    func prepare() async throws {
        var keys = Set<String>()
        var latestStop: [MeshServiceRef: Date] = [:]
        var after: String?
        while true {
            let page = try journal.tasks(limit: 10_000, after: after)
            guard let last = page.last else { break }
            after = last.taskArn
            let metas = try journal.taskMeta(arns: page.map(\.taskArn))
            for task in page {
                guard let meta = metas[task.taskArn], meta.mesh, let name = meta.serviceName else { continue }
                let service = MeshServiceRef(clusterArn: task.clusterArn, name: name)
                let alive = task.lastStatus != .stopped
                index.update(taskArn: task.taskArn, service: service, alive: alive)
                if !alive, let stopped = task.stoppedAt ?? task.updatedAt {
                    latestStop[service] = max(latestStop[service] ?? stopped, stopped)
                }
                keys.insert(service.workKey)
            }
        }
        for (service, stopped) in latestStop {
            index.setEmptySince(stopped, for: service)
        }
        for record in try journal.services() where record.accessorID != nil && record.tokenDeletedAt == nil {
            keys.insert(WorkKey.service(name: record.name).rawValue)
        }
        if clientTokenEnabled { keys.insert(WorkKey.clientToken.rawValue) }
        if !keys.isEmpty { try await queue.enqueue(Array(keys).sorted()) }
        logger.info("Workers prepared", metadata: [
            "mesh.work.services": .stringConvertible(keys.count),
            "mesh.index.services": .stringConvertible(index.knownServices().count),
        ])
    }
}
