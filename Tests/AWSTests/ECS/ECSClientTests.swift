import AsyncHTTPClient
import AWS
import Foundation
import NIOHTTP1
import Testing

/// The ECS client against a local stub: pagination, batching, tags, task definitions.
@Suite(.timeLimit(.minutes(1)))
struct ECSClientTests {
    private func client(_ server: StubHTTPServer) -> ECSClient {
        ECSClient(
            client: .shared, endpoint: URL(string: server.url)!, region: "us-east-1",
            credentials: StaticCredentialProvider(exampleCredentials)
        )
    }

    private func json(_ request: StubRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    /// A stub DescribeTasks that echoes one task per requested ARN, tagged.
    private static func echoDescribeTasks(_ request: StubRequest) -> StubResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
        let arns = body["tasks"] as? [String] ?? []
        let tasks = arns.map { #"{"taskArn":"\#($0)","lastStatus":"RUNNING","tags":[{"key":"k","value":"v"}]}"# }
        return .json(200, #"{"tasks":[\#(tasks.joined(separator: ","))],"failures":[]}"#)
    }

    /// 250 tasks are described in three calls of at most 100, each asking for TAGS; results are merged in order.
    @Test func describeTasks_whenMoreThan100_batchesBy100WithTags() async throws {
        // Given
        let server = try await StubHTTPServer.start(Self.echoDescribeTasks)
        defer { Task { try? await server.shutdown() } }
        let arns = (0..<250).map { "arn:aws:ecs:us-east-1:123456789012:task/apps/\($0)" }

        // When
        let result = try await client(server).describeTasks(cluster: "apps", tasks: arns)

        // Then
        #expect(result.tasks.map(\.taskArn) == arns)
        #expect(result.tasks.allSatisfy { $0.tag("k") == "v" })
        let bodies = try server.requests.map(json)
        #expect(bodies.map { ($0["tasks"] as? [String])?.count } == [100, 100, 50])
        #expect(bodies.allSatisfy { $0["include"] as? [String] == ["TAGS"] && $0["cluster"] as? String == "apps" })
        #expect(server.requests.allSatisfy { $0.headers["X-Amz-Target"] == ["AmazonEC2ContainerServiceV20141113.DescribeTasks"] })
    }

    /// No tasks means no call.
    @Test func describeTasks_whenEmpty_sendsNothing() async throws {
        // Given
        let server = try await StubHTTPServer.start(Self.echoDescribeTasks)
        defer { Task { try? await server.shutdown() } }

        // When
        let result = try await client(server).describeTasks(cluster: "apps", tasks: [])

        // Then
        #expect(result.tasks.isEmpty && result.failures.isEmpty)
        #expect(server.requests.isEmpty)
    }

    /// Failures such as MISSING are returned alongside tasks.
    @Test func describeTasks_whenMissingTask_returnsFailure() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(200, #"{"tasks":[],"failures":[{"arn":"arn:aws:ecs:us-east-1:1:task/apps/x","reason":"MISSING"}]}"#)
        }
        defer { Task { try? await server.shutdown() } }

        // When
        let result = try await client(server).describeTasks(cluster: "apps", tasks: ["x"])

        // Then
        #expect(result.failures.map(\.reason) == ["MISSING"])
    }

    /// listAllTasks follows nextToken until it is absent and passes the filters.
    @Test func listAllTasks_whenPaginated_followsNextToken() async throws {
        // Given
        let server = try await StubHTTPServer.start { request in
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
            switch body["nextToken"] as? String {
            case nil: return .json(200, #"{"taskArns":["a","b"],"nextToken":"page2"}"#)
            case "page2": return .json(200, #"{"taskArns":["c"],"nextToken":"page3"}"#)
            default: return .json(200, #"{"taskArns":["d"],"nextToken":null}"#)
            }
        }
        defer { Task { try? await server.shutdown() } }

        // When
        let arns = try await client(server).listAllTasks(cluster: "apps", desiredStatus: .running)

        // Then
        #expect(arns == ["a", "b", "c", "d"])
        let bodies = try server.requests.map(json)
        #expect(bodies.map { $0["nextToken"] as? String } == [nil, "page2", "page3"])
        #expect(bodies.allSatisfy { $0["desiredStatus"] as? String == "RUNNING" && $0["cluster"] as? String == "apps" })
    }

    /// A service that repeats the same token does not loop forever.
    @Test func listAllTasks_whenTokenRepeats_stops() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, #"{"taskArns":["a"],"nextToken":"same"}"#) }
        defer { Task { try? await server.shutdown() } }

        // When
        let arns = try await client(server).listAllTasks(cluster: "apps")

        // Then
        #expect(arns == ["a"])
        #expect(server.requests.count == 2)
    }

    /// DescribeTaskDefinition returns family and container ports.
    @Test func describeTaskDefinition_whenCalled_returnsDefinition() async throws {
        // Given
        let fixture = try Fixtures.text("ecs/describe-task-definition-moto.json")
        let server = try await StubHTTPServer.start { _ in .json(200, fixture) }
        defer { Task { try? await server.shutdown() } }

        // When
        let definition = try await client(server).describeTaskDefinition(taskDefinition: "web:1")

        // Then
        #expect(definition.family == "web")
        #expect(definition.containerPorts == [8080, 9090])
        #expect(try json(try #require(server.requests.first))["taskDefinition"] as? String == "web:1")
    }
}
