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
    /// Each term starts by forgetting what earlier terms left in memory (``forgetEarlierTerms()``).
    /// - Throws: The journal's error.
    func prepare() async throws {
        forgetEarlierTerms()
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

    /// Empties the caches of the leader's workers that describe Consul, Secrets Manager or ECS as
    /// this process last saw them: with replicas, other leaders acted since this process's previous
    /// term, and a stale entry would skip a needed write or check.
    /// - The catalog write log: an intent equal to what this process wrote then would be skipped,
    ///   and a check another leader changed would stay.
    /// - The verified services: another leader may have revoked (grace period over) or replaced a
    ///   token; a stale name would skip the check that re-creates it.
    /// - The service index (rebuilt by ``prepare()`` right after): a task purged from the journal
    ///   meanwhile would stay live and keep its service's token.
    /// - The resync's absence counts: sweeps either side of another leader's are not consecutive.
    ///
    /// The rest is rebuilt or holds only what does not change: the work queue starts each run from
    /// the journal with an empty schedule; heartbeat expiry on replicas reads the shared sightings
    /// and the journaled health; an idle token's grace period starts when the rebuilt index says
    /// its service emptied, else at the journaled `lastTaskSeenAt`; the ECS caches serve only a
    /// task's tags and definition (fixed at launch); the known Consul nodes fall back to a
    /// registration when a transaction is refused; the mesh config book only feeds the admin API.
    func forgetEarlierTerms() {
        catalogWriteLog.forgetAll()
        verified.forgetAll()
        index.forgetTasks()
        resync?.sweeper.forgetAbsences()
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
