public import Logging

/// Task descriptions (with tags) by task ARN, so repeated lookups don't hit ECS.
///
/// Concurrent misses are coalesced: lookups that arrive while a `DescribeTasks` is queued or in
/// flight join it, and each call carries up to 100 tasks of one cluster. Tasks ECS reports as failures
/// (`MISSING`) give `nil` and are not cached.
///
/// Entries are what ECS said at first sight: tags, ARNs and the ENI address don't change, but status
/// fields go stale. ``invalidate(_:)`` an entry to fetch it again (e.g. when a task is still
/// provisioning and has no address yet), and when a task stops. The oldest entries are evicted past
/// `maxEntries`.
public actor TaskDescriptionCache {
    private let describer: any ECSTaskDescribing
    private let maxEntries: Int
    private let logger: Logger
    private var entries: [String: ECSTask] = [:]
    private var insertionOrder: [String] = []
    private var waiters: [String: [CheckedContinuation<ECSTask?, any Error>]] = [:]
    private var queued: [String: [String]] = [:]
    private var flushing: Set<String> = []

    /// Creates a cache.
    /// - Parameters:
    ///   - describer: Usually an ``ECSClient``.
    ///   - maxEntries: Evict the oldest entries beyond this many.
    ///   - logger: Receives a debug line per batch.
    public init(describer: any ECSTaskDescribing, maxEntries: Int = 10_000, logger: Logger = AWSLogging.noop) {
        self.describer = describer
        self.maxEntries = max(1, maxEntries)
        self.logger = logger
    }

    /// The description of `arn`, from the cache or a (batched) `DescribeTasks` in `cluster`.
    /// - Returns: `nil` when ECS does not know the task.
    /// - Throws: ``AWSError`` from the batch this lookup joined.
    public func task(arn: String, cluster: String) async throws -> ECSTask? {
        if let hit = entries[arn] { return hit }
        return try await withCheckedThrowingContinuation { continuation in
            if waiters[arn] == nil {
                queued[cluster, default: []].append(arn)
            }
            waiters[arn, default: []].append(continuation)
            if flushing.insert(cluster).inserted {
                Task { await self.flush(cluster: cluster) }
            }
        }
    }

    /// Several lookups at once (they batch together).
    /// - Returns: Found tasks keyed by the ARN asked for.
    public func tasks(arns: [String], cluster: String) async throws -> [String: ECSTask] {
        try await withThrowingTaskGroup(of: (String, ECSTask?).self) { group in
            for arn in Set(arns) {
                group.addTask { (arn, try await self.task(arn: arn, cluster: cluster)) }
            }
            var found: [String: ECSTask] = [:]
            for try await (arn, task) in group {
                if let task { found[arn] = task }
            }
            return found
        }
    }

    /// Stores a description obtained elsewhere (e.g. a resync's own DescribeTasks).
    public func insert(_ task: ECSTask) {
        store(task, under: task.taskArn)
    }

    /// Forgets `arn`, so the next lookup describes it again.
    public func invalidate(_ arn: String) {
        entries[arn] = nil
    }

    /// The number of cached tasks.
    public var count: Int { entries.count }

    /// Lookups waiting for a `DescribeTasks` (for tests and metrics).
    var waitingLookups: Int { waiters.values.reduce(0) { $0 + $1.count } }

    private func flush(cluster: String) async {
        await Task.yield()  // let lookups that are already on their way join this batch
        while let pending = queued[cluster], !pending.isEmpty {
            let batch = Array(pending.prefix(ECSClient.describeTasksBatchSize))
            queued[cluster] = Array(pending.dropFirst(batch.count))
            logger.debug("Describing tasks for cache", metadata: [
                "aws.ecs.cluster": "\(cluster)", "aws.ecs.batch_size": "\(batch.count)",
            ])
            do {
                let result = try await describer.describeTasks(cluster: cluster, tasks: batch, deadline: nil, logger: logger)
                complete(batch, with: result)
            } catch {
                for arn in batch {
                    for waiter in waiters.removeValue(forKey: arn) ?? [] { waiter.resume(throwing: error) }
                }
            }
        }
        queued[cluster] = nil
        flushing.remove(cluster)
    }

    private func complete(_ batch: [String], with result: ECSDescribeTasksResult) {
        var byKey: [String: ECSTask] = [:]
        for task in result.tasks {
            byKey[task.taskArn] = task
            byKey[task.taskID] = task
        }
        for requested in batch {
            let id = requested.split(separator: "/").last.map(String.init) ?? requested
            let task = byKey[requested] ?? byKey[id]
            if let task { store(task, under: requested) }
            for waiter in waiters.removeValue(forKey: requested) ?? [] { waiter.resume(returning: task) }
        }
    }

    private func store(_ task: ECSTask, under key: String) {
        if entries.updateValue(task, forKey: key) == nil { insertionOrder.append(key) }
        while entries.count > maxEntries, !insertionOrder.isEmpty {
            entries[insertionOrder.removeFirst()] = nil
        }
        if insertionOrder.count > maxEntries * 2 {
            insertionOrder = insertionOrder.filter { entries[$0] != nil }
        }
    }
}
