import Foundation
import Journal
import Logging
import MeshModel

extension ControllerWorkers {
    /// Prepares the workers before the queue runs: rebuilds the service index from the journal and
    /// enqueues every service's token key, so that tokens are verified once per start and grace
    /// periods whose timers died with the last process are re-armed. Task keys need nothing here:
    /// the queue resumes the journal's pending keys itself.
    ///
    /// Each term also starts with an empty catalog write log: with replicas, other leaders wrote to
    /// Consul since this process's previous term, so what it wrote then no longer says what Consul
    /// holds (an intent equal to it would be skipped, and a check another leader changed would stay).
    /// - Throws: The journal's error.
    func prepare() async throws {
        catalogWriteLog.forgetAll()
        var keys = Set<String>()
        var latestStop: [MeshServiceRef: Date] = [:]
        var after: String?
        while true {
            let page = try await journal.tasks(cluster: nil, status: nil, limit: 10_000, after: after)
            guard let last = page.last else { break }
            after = last.taskArn
            let metas = try await journal.taskMeta(arns: page.map(\.taskArn))
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
        for record in try await journal.services() where record.accessorID != nil && record.tokenDeletedAt == nil {
            keys.insert(WorkKey.service(name: record.name).rawValue)
        }
        if clientTokenEnabled { keys.insert(WorkKey.clientToken.rawValue) }
        if !keys.isEmpty { try await queue.enqueue(Array(keys).sorted()) }
        let woken = try await wakeParkedIfConfigurationChanged()
        logger.info("Workers prepared", metadata: [
            "mesh.work.services": .stringConvertible(keys.count),
            "mesh.index.services": .stringConvertible(index.knownServices().count),
            "mesh.work.parked_woken": .stringConvertible(woken),
        ])
    }

    /// The journal setting that holds the configuration fingerprint of the last start.
    static let fingerprintSetting = "work.configurationFingerprint"

    /// Wakes every parked key when the configuration (or the controller version) differs from the
    /// last start's, or when no start recorded one: what parked them may be fixed now. Then stores
    /// the new fingerprint (after the keys are marked, so a crash in between wakes them again).
    /// - Returns: How many parked keys were woken.
    func wakeParkedIfConfigurationChanged() async throws -> Int {
        let stored = try await journal.setting(Self.fingerprintSetting)
        guard stored != configurationFingerprint else { return 0 }
        let woken = try await queue.retryAllFailed()
        try await journal.storeSetting(Self.fingerprintSetting, value: configurationFingerprint)
        if woken > 0 {
            logger.notice("Configuration changed since the last start; parked work keys were woken", metadata: [
                "mesh.work.woken": .stringConvertible(woken),
            ])
        }
        return woken
    }
}
