public import Batching
public import Logging

/// Task descriptions (with tags) by task ARN, so repeated lookups don't hit ECS.
///
/// Concurrent misses are coalesced by a ``CoalescingBatcher``: lookups of one cluster that arrive
/// together, or while earlier `DescribeTasks` calls are on the wire, go out as one call of up to 100
/// tasks, and each lookup gets its own answer from that call: its task, `nil` when ECS reports the
/// ARN `MISSING` (not cached), or an ``AWSError`` carrying the failure's reason for any other entry
/// of `failures[]`. Concurrent lookups of one ARN share one entry in the batch.
///
/// Entries are what ECS said at first sight: tags, ARNs and the ENI address don't change, but status
/// fields go stale. ``invalidate(_:)`` an entry to fetch it again (e.g. when a task is still
/// provisioning and has no address yet), and when a task stops. The oldest entries are evicted past
/// `maxEntries`.
public actor TaskDescriptionCache {
    /// Default batching: up to 100 tasks per call (the API's limit), 2 ms of waiting for company,
    /// two calls on the wire at once.
    public static let defaultBatching = CoalescingBatcher<String, String, ECSTask?>.Configuration(
        maxBatchWeight: ECSClient.describeTasksBatchSize, window: .milliseconds(2), maxInFlightBatches: 2)

    private let batcher: CoalescingBatcher<String, String, ECSTask?>
    private let maxEntries: Int
    private var entries: [String: ECSTask] = [:]
    private var insertionOrder: [String] = []
    private var lookups: [String: Task<ECSTask?, any Error>] = [:]
    private var waiting = 0

    /// Creates a cache.
    /// - Parameters:
    ///   - describer: Usually an ``ECSClient``.
    ///   - maxEntries: Evict the oldest entries beyond this many.
    ///   - batching: Batch size (at most 100), waiting window and calls in flight.
    ///   - logger: Receives a debug line per batch.
    public init(describer: any ECSTaskDescribing, maxEntries: Int = 10_000,
                batching: CoalescingBatcher<String, String, ECSTask?>.Configuration = TaskDescriptionCache.defaultBatching,
                logger: Logger = AWSLogging.noop) {
        var batching = batching
        batching.maxBatchWeight = min(batching.maxBatchWeight, ECSClient.describeTasksBatchSize)
        self.batcher = CoalescingBatcher(configuration: batching) { cluster, arns in
            logger.debug("Describing tasks for cache", metadata: [
                "aws.ecs.cluster": "\(cluster)", "aws.ecs.batch_size": "\(arns.count)",
            ])
            do {
                let result = try await describer.describeTasks(cluster: cluster, tasks: arns, deadline: nil, logger: logger)
                return Self.outcomes(of: arns, in: result)
            } catch {
                return arns.map { _ in .failure(error) }
            }
        }
        self.maxEntries = max(1, maxEntries)
    }

    /// The description of `arn`, from the cache or a (batched) `DescribeTasks` in `cluster`.
    /// - Returns: `nil` when ECS does not know the task.
    /// - Throws: ``AWSError`` from the batch this lookup joined, or for this ARN's own failure.
    public func task(arn: String, cluster: String) async throws -> ECSTask? {
        if let hit = entries[arn] { return hit }
        let lookup: Task<ECSTask?, any Error>
        if let shared = lookups[arn] {
            lookup = shared
        } else {
            let batcher = self.batcher
            lookup = Task { try await batcher.submit(arn, in: cluster) }
            lookups[arn] = lookup
        }
        waiting += 1
        defer { waiting -= 1 }
        let result = await lookup.result
        if lookups[arn] == lookup {
            lookups[arn] = nil
            if case .success(let task?) = result { store(task, under: arn) }
        }
        return try result.get()
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
    var waitingLookups: Int { waiting }

    /// ARNs handed to the batcher so far: sent or waiting for a batch (for tests).
    var submittedLookups: Int {
        get async { await batcher.statistics.items + batcher.waitingItems }
    }

    /// The batcher's counters (calls made, tasks per call).
    public var batchStatistics: CoalescingBatcher<String, String, ECSTask?>.Statistics {
        get async { await batcher.statistics }
    }

    /// One outcome per requested ARN (or ID): its task, `nil` for `MISSING` (or absent from both
    /// lists), or the failure ECS gave for it.
    static func outcomes(of requested: [String], in result: ECSDescribeTasksResult) -> [Result<ECSTask?, any Error>] {
        var tasks: [String: ECSTask] = [:]
        for task in result.tasks {
            tasks[task.taskArn] = task
            tasks[task.taskID] = task
        }
        var failures: [String: ECSFailure] = [:]
        for failure in result.failures {
            guard let arn = failure.arn else { continue }
            failures[arn] = failure
            failures[Self.id(of: arn)] = failure
        }
        return requested.map { arn in
            if let task = tasks[arn] ?? tasks[Self.id(of: arn)] { return .success(task) }
            guard let failure = failures[arn] ?? failures[Self.id(of: arn)], let reason = failure.reason,
                  reason != "MISSING" else { return .success(nil) }
            return .failure(AWSError(code: reason, message: failure.detail ?? "DescribeTasks failure for \(arn)",
                                     operation: "DescribeTasks"))
        }
    }

    private static func id(of arn: String) -> String {
        arn.split(separator: "/").last.map(String.init) ?? arn
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
