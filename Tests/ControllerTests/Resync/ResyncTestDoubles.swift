import AWS
import Foundation
import Logging
import MeshModel
import Synchronization
@testable import Controller

/// ECS in memory for sweeps: tasks by ARN, scripted failures, and call counting.
actor ResyncFakeECS: ResyncECS {
    var tasks: [String: ECSTask] = [:]
    /// Failures for the next DescribeTasks calls, in order (`nil` = answer normally).
    var describeFailures: [AWSError?] = []
    var listFailure: AWSError?
    /// Arns DescribeTasks answers with a `MISSING` failure.
    var missing: Set<String> = []
    private(set) var listCalls = 0
    private(set) var describeBatches: [Int] = []
    private(set) var inFlight = 0
    private(set) var maxInFlight = 0
    var delay: Duration = .zero
    var pageSize = 100

    func setPageSize(_ size: Int) { pageSize = size }

    func add(_ task: ECSTask) { tasks[task.taskArn] = task }
    func remove(_ arn: String) { tasks[arn] = nil }
    func setDescribeFailures(_ failures: [AWSError?]) { describeFailures = failures }
    func setListFailure(_ failure: AWSError?) { listFailure = failure }
    func setMissing(_ arns: Set<String>) { missing = arns }
    func setDelay(_ delay: Duration) { self.delay = delay }

    func listTasks(cluster: String, desiredStatus: ECSDesiredStatus, nextToken: String?,
                   logger: Logger) async throws -> ECSListTasksPage {
        listCalls += 1
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        defer { inFlight -= 1 }
        if delay > .zero { try await Task.sleep(for: delay) }
        if let listFailure { throw listFailure }
        let arns = tasks.values.filter { ($0.desiredStatus ?? "RUNNING") == desiredStatus.rawValue }.map(\.taskArn).sorted()
        // Pages of `pageSize`, the token being the next index (as ECS, an opaque string).
        let start = nextToken.flatMap(Int.init) ?? 0
        let end = min(start + pageSize, arns.count)
        return ECSListTasksPage(taskArns: Array(arns[start..<end]), nextToken: end < arns.count ? String(end) : nil)
    }

    func describeTaskBatch(cluster: String, tasks arns: [String], logger: Logger) async throws -> ECSDescribeTasksResult {
        describeBatches.append(arns.count)
        if !describeFailures.isEmpty, let failure = describeFailures.removeFirst() { throw failure }
        var result = ECSDescribeTasksResult(tasks: [], failures: [])
        for arn in arns {
            if let task = tasks[arn] {
                result.tasks.append(task)
            } else if missing.contains(arn) {
                result.failures.append(ECSFailure(arn: arn, reason: "MISSING"))
            }
        }
        return result
    }
}

/// Consul's node services and tokens in memory, recording writes.
actor ResyncFakeCatalog: ResyncCatalog {
    var services: [String: [ResyncCatalogPlan.NodeService]] = [:]
    var tokenList: [ResyncToken] = []
    private(set) var deregistered: [String] = []
    private(set) var writes = 0
    var failNodeRead = false

    func setServices(_ node: String, _ list: [ResyncCatalogPlan.NodeService]) { services[node] = list }
    func setTokens(_ tokens: [ResyncToken]) { tokenList = tokens }

    func nodeServices(node: String, logger: Logger) async throws -> [ResyncCatalogPlan.NodeService]? {
        if failNodeRead { throw WorkerTestFailure("consul down") }
        return services[node]
    }

    func deregister(node: String, serviceIDs: [String], logger: Logger) async throws {
        writes += 1
        deregistered += serviceIDs
        services[node]?.removeAll { serviceIDs.contains($0.id) }
    }

    func tokens(logger: Logger) async throws -> [ResyncToken] { tokenList }
}

/// Records the pauses a sweep asks for instead of sleeping.
final class ResyncPauseLog: Sendable {
    private let log = Mutex<[Duration]>([])
    var pauses: [Duration] { log.withLock { $0 } }
    func record(_ pause: Duration) { log.withLock { $0.append(pause) } }
}

enum ResyncSample {
    static let cluster = WorkerSample.cluster
    static let meshTags = WorkerSample.meshTags

    static func ecsTask(_ id: String, mesh: Bool = true, lastStatus: String = "RUNNING", desired: String = "RUNNING",
                        version: Int64? = nil) -> ECSTask {
        var task = WorkerSample.ecsTask(id, tags: mesh ? meshTags : ["team": "x"])
        task.lastStatus = lastStatus
        task.desiredStatus = desired
        task.version = version
        return task
    }

    static func observed(_ id: String, mesh: Bool = true, lastStatus: TaskStatus = .running,
                         desired: TaskStatus = .running, version: Int64? = nil) -> ResyncObservedTask {
        ResyncObservedTask(taskArn: WorkerSample.arn(id), clusterArn: cluster, lastStatus: lastStatus,
                           desiredStatus: desired, version: version, isMesh: mesh)
    }

    static func record(_ id: String, lastStatus: TaskStatus = .running, desired: TaskStatus = .running,
                       version: Int64 = 3) -> TaskRecord {
        TaskRecord(taskArn: WorkerSample.arn(id), taskID: id, clusterArn: cluster, lastStatus: lastStatus,
                   desiredStatus: desired, version: version)
    }

    static func ours(_ id: String, taskID: String) -> ResyncCatalogPlan.NodeService {
        ResyncCatalogPlan.NodeService(id: "web-\(taskID)\(id)", meta: [
            "source": MeshPlanConfiguration.defaultSourceMeta, "task-arn": WorkerSample.arn(taskID), "task-id": taskID,
        ])
    }

    static func foreign(_ id: String) -> ResyncCatalogPlan.NodeService {
        ResyncCatalogPlan.NodeService(id: id, meta: ["source": "consul-ecs", "task-id": "x"])
    }
}
