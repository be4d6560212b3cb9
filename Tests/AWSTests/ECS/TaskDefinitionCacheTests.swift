import AWS
import MeshTestSupport
import Testing

/// The per-ARN task definition cache.
@Suite(.timeLimit(.minutes(1)))
struct TaskDefinitionCacheTests {
    static let arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"

    /// Concurrent and repeated lookups of one ARN make one DescribeTaskDefinition call.
    @Test func taskDefinition_whenConcurrentAndRepeated_describesOnce() async throws {
        // Given
        let describer = FakeTaskDefinitionDescriber(gateOpen: false)
        let cache = TaskDefinitionCache(describer: describer)

        // When
        let families = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await cache.taskDefinition(arn: Self.arn).family } }
            // Opened whatever happens: a child blocked on the closed gate would hang the group.
            let allWaiting = await eventually { describer.calls.count == 1 }
            await describer.gate.open()
            #expect(allWaiting)
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let again = try await cache.taskDefinition(arn: Self.arn)

        // Then
        #expect(families == Array(repeating: "web", count: 10))
        #expect(again.containerPorts == [8080])
        #expect(describer.calls == [Self.arn])
    }

    /// Failures are not cached.
    @Test func taskDefinition_whenDescribeFails_retriesNextTime() async throws {
        // Given
        let describer = FakeTaskDefinitionDescriber()
        describer.failNextCall()
        let cache = TaskDefinitionCache(describer: describer)

        // When
        await #expect(throws: AWSError.self) { try await cache.taskDefinition(arn: Self.arn) }
        let definition = try await cache.taskDefinition(arn: Self.arn)

        // Then
        #expect(definition.family == "web")
        #expect(describer.calls.count == 2)
        #expect(await cache.count == 1)
    }

    /// Different ARNs are cached separately.
    @Test func taskDefinition_whenDifferentARNs_describesEach() async throws {
        // Given
        let describer = FakeTaskDefinitionDescriber()
        let cache = TaskDefinitionCache(describer: describer)

        // When
        _ = try await cache.taskDefinition(arn: Self.arn)
        _ = try await cache.taskDefinition(arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1")

        // Then
        #expect(describer.calls.count == 2)
        #expect(await cache.count == 2)
    }
}
