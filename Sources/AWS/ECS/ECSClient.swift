public import AsyncHTTPClient
public import Foundation
public import Logging

/// Describes tasks; the seam ``TaskDescriptionCache`` uses (``ECSClient`` conforms).
public protocol ECSTaskDescribing: Sendable {
    /// Describes `tasks` (IDs or ARNs) in `cluster`, with tags.
    func describeTasks(
        cluster: String, tasks: [String], deadline: ContinuousClock.Instant?, logger: Logger?
    ) async throws -> ECSDescribeTasksResult
}

/// Describes task definitions; the seam ``TaskDefinitionCache`` uses (``ECSClient`` conforms).
public protocol ECSTaskDefinitionDescribing: Sendable {
    /// Describes one task definition (ARN, or `family:revision`).
    func describeTaskDefinition(
        taskDefinition: String, deadline: ContinuousClock.Instant?, logger: Logger?
    ) async throws -> ECSTaskDefinition
}

/// The ECS operations the controller needs, over ``AWSJSONClient``.
///
/// ```swift
/// let ecs = ECSClient(client: http, endpoint: endpoints.ecs, region: endpoints.region,
///                     credentials: chain, logger: logger)
/// let arns = try await ecs.listAllTasks(cluster: "apps")
/// let described = try await ecs.describeTasks(cluster: "apps", tasks: arns)
/// ```
public struct ECSClient: ECSTaskDescribing, ECSTaskDefinitionDescribing {
    /// `DescribeTasks` accepts at most this many tasks per call.
    public static let describeTasksBatchSize = 100

    /// The underlying transport (exposed for operations this type does not wrap).
    public let transport: AWSJSONClient

    /// Creates a client.
    /// - Parameters:
    ///   - client: The shared HTTP client.
    ///   - endpoint: The ECS endpoint (``AWSEndpoints/ecs``).
    ///   - region: The signing region.
    ///   - credentials: The credential provider (``AWSCredentialChain``).
    ///   - configuration: Timeouts and retries.
    ///   - logger: The default logger.
    public init(
        client: HTTPClient, endpoint: URL, region: String, credentials: any AWSCredentialProvider,
        configuration: AWSJSONClient.Configuration = AWSJSONClient.Configuration(), logger: Logger = AWSLogging.noop
    ) {
        self.transport = AWSJSONClient(
            httpClient: client, service: .ecs(endpoint: endpoint, region: region),
            credentials: credentials, configuration: configuration, logger: logger
        )
    }

    /// One page of task ARNs.
    /// - Parameters:
    ///   - cluster: Cluster name or ARN.
    ///   - desiredStatus: `RUNNING` (ECS's default when `nil`) or `STOPPED`.
    ///   - nextToken: The previous page's token.
    /// - Throws: ``AWSError`` (`ClusterNotFoundException` …).
    public func listTasks(
        cluster: String, desiredStatus: ECSDesiredStatus? = nil, nextToken: String? = nil,
        deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> ECSListTasksPage {
        let request = ListTasksRequest(cluster: cluster, desiredStatus: desiredStatus?.rawValue, nextToken: nextToken)
        return try await transport.send("ListTasks", input: request, deadline: deadline, logger: logger)
    }

    /// All task ARNs, following `nextToken` until ECS stops returning one.
    /// - Parameter maxPages: A guard against a service that keeps returning tokens.
    /// - Throws: ``AWSError``.
    public func listAllTasks(
        cluster: String, desiredStatus: ECSDesiredStatus? = nil, maxPages: Int = 1000,
        deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> [String] {
        var arns: [String] = []
        var seen = Set<String>()
        var token: String?
        for _ in 0..<maxPages {
            let page = try await listTasks(
                cluster: cluster, desiredStatus: desiredStatus, nextToken: token, deadline: deadline, logger: logger
            )
            for arn in page.taskArns where seen.insert(arn).inserted { arns.append(arn) }
            guard let next = page.nextToken, next != token else { break }
            token = next
        }
        return arns
    }

    /// Describes tasks with their tags (`include: ["TAGS"]`), in batches of 100.
    /// - Parameters:
    ///   - cluster: Cluster name or ARN.
    ///   - tasks: Task IDs or ARNs, any number.
    /// - Returns: The tasks and the failures (`reason: "MISSING"` for unknown tasks) of all batches.
    /// - Throws: ``AWSError`` from the first failing batch.
    public func describeTasks(
        cluster: String, tasks: [String], deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> ECSDescribeTasksResult {
        var result = ECSDescribeTasksResult(tasks: [], failures: [])
        var start = tasks.startIndex
        while start < tasks.endIndex {
            let end = min(start + Self.describeTasksBatchSize, tasks.endIndex)
            let request = DescribeTasksRequest(cluster: cluster, tasks: Array(tasks[start..<end]), include: ["TAGS"])
            let batch: ECSDescribeTasksResult = try await transport.send(
                "DescribeTasks", input: request, deadline: deadline, logger: logger
            )
            result.tasks += batch.tasks
            result.failures += batch.failures
            start = end
        }
        return result
    }

    /// Describes a task definition (container port mappings included).
    /// - Throws: ``AWSError`` (`ClientException` for an unknown definition).
    public func describeTaskDefinition(
        taskDefinition: String, deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> ECSTaskDefinition {
        let response: DescribeTaskDefinitionResponse = try await transport.send(
            "DescribeTaskDefinition", input: DescribeTaskDefinitionRequest(taskDefinition: taskDefinition),
            deadline: deadline, logger: logger
        )
        return response.taskDefinition
    }
}

/// The `desiredStatus` filter of `ListTasks`.
public enum ECSDesiredStatus: String, Sendable, Equatable, CaseIterable {
    case running = "RUNNING"
    case pending = "PENDING"
    case stopped = "STOPPED"
}

struct ListTasksRequest: Encodable, Sendable {
    var cluster: String
    var desiredStatus: String?
    var nextToken: String?
}

struct DescribeTasksRequest: Encodable, Sendable {
    var cluster: String
    var tasks: [String]
    var include: [String]
}

struct DescribeTaskDefinitionRequest: Encodable, Sendable {
    var taskDefinition: String
}

struct DescribeTaskDefinitionResponse: Decodable, Sendable {
    var taskDefinition: ECSTaskDefinition
}
