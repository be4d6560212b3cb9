import AWS
import Consul
public import Foundation
public import Journal
public import Logging
public import MeshModel
import Synchronization

/// Runs one sweep over the configured clusters: the I/O shell around ``ResyncTaskPlan`` and
/// ``ResyncCatalogPlan``.
///
/// Per cluster, in an order that keeps a half-finished sweep harmless:
/// 1. ECS: ListTasks RUNNING and STOPPED (all pages). A failure here ends the cluster's sweep
///    before anything changed.
/// 2. DescribeTasks with tags, 100 per call, for the listed tasks and for live journal tasks that
///    were not listed. A failed batch (throttled, AccessDenied) leaves its tasks as they are and is
///    reported; after throttling, later batches wait a growing pause.
/// 3. Journal: the planned observations, folded like events; applied ones schedule their task key,
///    and the registration and token workers do the rest.
/// 4. Consul, only once 1–3 completed: our services on the node whose task is unknown or stopped
///    are deregistered; foreign ones are counted; registered tasks whose service or proxy is
///    missing from the node get their task key again.
/// Then, once for all clusters that completed: tokens naming the cluster whose service has no live
/// task and that the journal does not track yet are handed to the token worker's grace logic; and
/// every service with live tasks in them has its token key run again, unverified, so that the
/// token worker, the one writer of each name's token, checks it (exists under the secret's
/// accessor, holds the secret's secret, the service identity, a description naming a cluster that
/// runs the service) and repairs drift with the secret's IDs. A right token costs two reads
/// and no write.
///
/// Not reentrant: ``ResyncService`` runs one sweep at a time. Absence counts live in memory, so a
/// restart needs two sweeps again before it acts on an absent task (the safe direction).
public final class ResyncSweeper: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Clusters to sweep (names or ARNs).
        public var clusters: [String]
        /// Our `source` service meta.
        public var sourceMeta: String
        /// Longest pause between DescribeTasks batches after throttling.
        public var maxThrottlePause: Duration
        /// Whether each sweep also has the shared client token checked (`mesh.clientToken`).
        public var checksClientToken: Bool

        public init(clusters: [String], sourceMeta: String = MeshPlanConfiguration.defaultSourceMeta,
                    maxThrottlePause: Duration = .seconds(5), checksClientToken: Bool = false) {
            self.clusters = clusters
            self.sourceMeta = sourceMeta
            self.maxThrottlePause = maxThrottlePause
            self.checksClientToken = checksClientToken
        }
    }

    let ecs: any ResyncECS
    let catalog: any ResyncCatalog
    let journal: any JournalStore
    /// The work queue: schedules the task keys the sweep's observations marked in the journal, and
    /// marks and schedules token keys and the task keys whose registration went missing.
    let queue: any WorkEnqueuing & WorkScheduler
    /// The token worker's memory of verified services, forgotten for the services a sweep checks.
    let verifiedTokens: VerifiedServices?
    let index: ServiceTaskIndex
    /// The registration worker's memory of its last writes, forgotten for a task that must be written again.
    let catalogWriteLog: CatalogWriteLog?
    let configuration: Configuration
    let now: @Sendable () -> Date
    let pause: @Sendable (Duration) async -> Void
    /// Consecutive sweeps of this process that found each live journal task absent from ECS.
    let absence = Mutex<[String: Int]>([:])

    /// - Parameters:
    ///   - pause: How to wait between throttled batches (tests record instead of sleeping).
    public init(ecs: any ResyncECS, catalog: any ResyncCatalog, journal: any JournalStore,
                queue: any WorkEnqueuing & WorkScheduler, index: ServiceTaskIndex, configuration: Configuration,
                catalogWriteLog: CatalogWriteLog? = nil, verifiedTokens: VerifiedServices? = nil,
                now: @escaping @Sendable () -> Date = { Date() },
                pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) {
        self.ecs = ecs
        self.catalog = catalog
        self.journal = journal
        self.queue = queue
        self.index = index
        self.configuration = configuration
        self.catalogWriteLog = catalogWriteLog
        self.verifiedTokens = verifiedTokens
        self.now = now
        self.pause = pause
    }

    /// Forgets the absence counts (a new leadership term): another leader swept meanwhile, so an
    /// earlier term's last sweep and this term's first are not consecutive, and a task they both
    /// missed may have been listed in between; counting them together would drain it too soon.
    func forgetAbsences() {
        absence.withLock { $0.removeAll() }
    }

    /// Sweeps every configured cluster. Never throws: failures are in the report.
    public func sweep(number: Int, reason: String, logger baseLogger: Logger) async -> ResyncReport {
        var logger = baseLogger
        logger[metadataKey: "mesh.resync.sweep"] = .stringConvertible(number)
        let clock = ContinuousClock()
        let started = clock.now
        var report = ResyncReport(sweep: number, reason: reason, startedAt: now())
        var completed: [(cluster: String, arn: String)] = []
        for cluster in configuration.clusters {
            var part = ResyncReport.Cluster(cluster: cluster)
            var clusterLogger = logger
            clusterLogger[metadataKey: "mesh.cluster"] = .string(cluster)
            do {
                try await sweepCluster(cluster, into: &part, calls: &report.calls, logger: clusterLogger)
                if let arn = part.clusterArn { completed.append((cluster, arn)) }
            } catch {
                part.failure = "\(error)"
                clusterLogger.warning("Resync of the cluster stopped early; what it had not checked is unchanged",
                                      metadata: ["mesh.error": .string("\(error)")])
            }
            report.clusters.append(part)
        }
        if !completed.isEmpty {
            await sweepTokens(of: completed.map(\.arn), into: &report, logger: logger)
        }
        report.duration = clock.now - started
        return report
    }

    /// After the clusters: untracked idle tokens go to the grace logic, and every live service's
    /// token is checked again.
    private func sweepTokens(of clusters: [String], into report: inout ResyncReport, logger: Logger) async {
        do {
            let adopted = try await adoptIdleTokens(of: clusters, calls: &report.calls, logger: logger)
            let checked = try await checkLiveTokens(of: clusters, logger: logger)
            for (offset, item) in report.clusters.enumerated() {
                guard let arn = item.clusterArn else { continue }
                report.clusters[offset].tokensAdopted = adopted[arn] ?? 0
                report.clusters[offset].tokensChecked = checked[arn] ?? 0
            }
        } catch {
            logger.warning("Resync could not check tokens", metadata: ["mesh.error": .string("\(error)")])
            if let first = report.clusters.indices.first {
                report.clusters[first].failure = report.clusters[first].failure ?? "token check: \(error)"
            }
        }
    }

    // MARK: - One cluster

    private func sweepCluster(_ cluster: String, into part: inout ResyncReport.Cluster, calls: inout ResyncReport.Calls,
                              logger: Logger) async throws {
        // 1. List (nothing changes if this fails).
        let (listed, seen) = try await listTasks(cluster, calls: &calls, logger: logger)
        part.listed = listed.count
        let clusterArn = cluster.hasPrefix("arn:") ? cluster
            : listed.lazy.compactMap(ECSARN.clusterArn(fromTaskArn:)).first
        part.clusterArn = clusterArn

        // 2. Describe the listed tasks.
        var scan = DescribeScan()
        try await describe(listed, listed: seen, cluster: cluster, into: &scan, part: &part, calls: &calls, logger: logger)
        guard let resolvedArn = clusterArn ?? scan.described.first?.clusterArn else {
            logger.debug("Cluster has no tasks and no ARN is configured; nothing to compare")
            return
        }
        part.clusterArn = resolvedArn

        // Journal state of the cluster, then describe live tasks ECS did not list.
        let journaled = try await journalTasks(cluster: resolvedArn)
        let alive = journaled.values.filter { $0.lastStatus != .stopped }
        let notListed = alive.map(\.taskArn).filter { !seen.contains($0) }.sorted()
        try await describe(notListed, listed: seen, cluster: cluster, into: &scan, part: &part, calls: &calls, logger: logger)

        // 3. Plan and journal.
        try await journalObservations(of: scan, clusterArn: resolvedArn, listed: seen, journaled: journaled,
                                      alive: alive, part: &part, logger: logger)

        // 4. Consul.
        let listedAlive = Set(scan.described.filter { $0.lastStatus != .stopped }.map(\.taskArn))
        try await sweepCatalog(node: resolvedArn, journaled: journaled, listedAlive: listedAlive, unreadable: scan.unreadable,
                               part: &part, calls: &calls, logger: logger)
    }

    /// Step 1: ListTasks RUNNING and STOPPED, every page; the ARNs in order, and as a set.
    private func listTasks(_ cluster: String, calls: inout ResyncReport.Calls,
                           logger: Logger) async throws -> (arns: [String], seen: Set<String>) {
        var listed: [String] = []
        var seen = Set<String>()
        for status in [ECSDesiredStatus.running, .stopped] {
            var token: String?
            repeat {
                calls.listTasks += 1
                let page = try await ecs.listTasks(cluster: cluster, desiredStatus: status, nextToken: token, logger: logger)
                for arn in page.taskArns where seen.insert(arn).inserted { listed.append(arn) }
                token = page.nextToken == token ? nil : page.nextToken
            } while token != nil
        }
        return (listed, seen)
    }

    /// Step 3: folds what ECS said into the journal like events (``ResyncTaskPlan``); applied
    /// observations schedule their task key. Absence counts are kept for the next sweep.
    private func journalObservations(of scan: DescribeScan, clusterArn: String, listed: Set<String>,
                                     journaled: [String: TaskRecord], alive: [TaskRecord],
                                     part: inout ResyncReport.Cluster, logger: Logger) async throws {
        let previous = absence.withLock { $0 }
        let plan = ResyncTaskPlan(.init(
            clusterArn: clusterArn, described: scan.described, listed: listed, unreadable: scan.unreadable,
            missing: scan.missing, journalAlive: alive, journalKnown: journaled,
            absence: previous.filter { journaled[$0.key] != nil }, now: now()
        ))
        part.suspectedAbsent = plan.suspectedAbsent.count
        part.unreadableCount = plan.unreadable.count
        part.unreadable = Array(plan.unreadable.prefix(10))
        for observation in plan.observations { part.observations[observation.reason.rawValue, default: 0] += 1 }
        if !plan.observations.isEmpty {
            let results = try await journal.observe(plan.observations.map(\.change), observedAt: now())
            let applied = results.filter { $0.outcome == .applied }
            part.applied = applied.count
            await queue.scheduleMarked(applied.map { WorkKey.task(arn: $0.taskArn).rawValue })
        }
        absence.withLock { counts in
            for arn in journaled.keys { counts[arn] = nil }
            counts.merge(plan.absence) { _, new in new }
        }
        if part.unreadableCount > 0 {
            logger.warning("Resync left tasks unchanged: their tags could not be read", metadata: [
                "mesh.resync.unreadable": .stringConvertible(part.unreadableCount),
                "mesh.task.arn": .string(plan.unreadable.first ?? ""),
            ])
        }
    }

    /// What DescribeTasks said about the tasks of one cluster.
    struct DescribeScan {
        var described: [ResyncObservedTask] = []
        var unreadable = Set<String>()
        var missing = Set<String>()
        var throttlePause: Duration = .zero
    }

    private func describe(_ arns: [String], listed: Set<String>, cluster: String, into scan: inout DescribeScan,
                          part: inout ResyncReport.Cluster, calls: inout ResyncReport.Calls, logger: Logger) async throws {
        var start = 0
        while start < arns.count {
            let batch = Array(arns[start..<min(start + ECSClient.describeTasksBatchSize, arns.count)])
            start += batch.count
            if scan.throttlePause > .zero { await pause(scan.throttlePause) }
            calls.describeTasks += 1
            do {
                let result = try await ecs.describeTaskBatch(cluster: cluster, tasks: batch, logger: logger)
                var answered = Set<String>()
                for task in result.tasks {
                    answered.insert(task.taskArn)
                    scan.described.append(ResyncObservedTask(task, fallbackCluster: cluster))
                }
                for failure in result.failures {
                    guard let arn = failure.arn else { continue }
                    answered.insert(arn)
                    if failure.reason == "MISSING" { scan.missing.insert(arn) } else { scan.unreadable.insert(arn) }
                }
                // Asked but not answered (moto does this for unknown tasks): a listed task's tags are
                // unreadable; a journal task ECS did not list simply stays unknown (absence counts it).
                for arn in batch where !answered.contains(arn) && listed.contains(arn) { scan.unreadable.insert(arn) }
                scan.throttlePause = scan.throttlePause / 2 < .milliseconds(50) ? .zero : scan.throttlePause / 2
            } catch {
                scan.unreadable.formUnion(batch)
                if let aws = error as? AWSError, aws.isThrottling {
                    part.throttled = true
                    scan.throttlePause = min(configuration.maxThrottlePause,
                                             max(.milliseconds(200), scan.throttlePause * 2))
                }
                logger.warning("DescribeTasks failed; the batch's tasks stay as they are", metadata: [
                    "mesh.error": .string("\(error)"), "mesh.resync.batch": .stringConvertible(batch.count),
                ])
            }
        }
        part.described = scan.described.count
    }

    /// The journal's tasks of a cluster, by ARN.
    private func journalTasks(cluster: String) async throws -> [String: TaskRecord] {
        var result: [String: TaskRecord] = [:]
        var after: String?
        while true {
            let page = try await journal.tasks(cluster: cluster, status: nil, limit: 10_000, after: after)
            guard let last = page.last else { break }
            for task in page { result[task.taskArn] = task }
            after = last.taskArn
        }
        return result
    }
}
