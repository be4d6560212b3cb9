import AWS
import Foundation
import Testing

/// ECS against the real moto server (MESH_INTEGRATION=1): a tagged awsvpc task run in moto, then
/// listed and described with TAGS.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1"), .timeLimit(.minutes(1)))
struct ECSMotoTests {
    /// ListTasks finds the task; DescribeTasks returns its tags, ENI address and a stable RUNNING status.
    @Test func listAndDescribe_whenTaskRunning_returnTaskWithTags() async throws {
        // Given
        try await Moto.pinECSTaskState()
        let ecs = try Moto.ecs()
        let tags = ["consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/service-name": "web"]
        let (cluster, definition, started) = try await ECSTestSetup(transport: ecs.transport).runTaggedTask(tags: tags)

        // When
        let arns = try await ecs.listAllTasks(cluster: cluster, desiredStatus: .running)
        let first = try await ecs.describeTasks(cluster: cluster, tasks: [started.taskArn])
        let second = try await ecs.describeTasks(cluster: cluster, tasks: [started.taskArn])
        let taskDefinition = try await ecs.describeTaskDefinition(taskDefinition: definition.taskDefinitionArn)

        // Then
        #expect(arns == [started.taskArn])
        let task = try #require(first.tasks.first)
        #expect(first.failures.isEmpty)
        #expect(task.taskArn == started.taskArn)
        #expect(task.clusterArn?.hasSuffix(":cluster/\(cluster)") == true)
        #expect(task.taskDefinitionArn == definition.taskDefinitionArn)
        #expect(task.group == "service:\(definition.family)")
        #expect(task.tag("consul.hashicorp.com/mesh") == "true")
        #expect(task.tag("consul.hashicorp.com/service-name") == "web")
        #expect(task.privateIPv4Address != nil)
        #expect(task.desiredStatus == "RUNNING")
        #expect(task.lastStatus == "RUNNING")
        #expect(second.tasks.first?.lastStatus == "RUNNING")
        #expect(taskDefinition.family == definition.family)
        #expect(taskDefinition.containerPorts == [8080])
    }

    /// The task description cache answers from ECS once, then from memory.
    @Test func taskDescriptionCache_whenBackedByMoto_returnsTaggedTask() async throws {
        // Given
        try await Moto.pinECSTaskState()
        let ecs = try Moto.ecs()
        let (cluster, definition, started) = try await ECSTestSetup(transport: ecs.transport)
            .runTaggedTask(tags: ["consul.hashicorp.com/mesh": "true"])
        let tasks = TaskDescriptionCache(describer: ecs)
        let definitions = TaskDefinitionCache(describer: ecs)

        // When
        let described = try await tasks.task(arn: started.taskArn, cluster: cluster)
        let unknown = try await tasks.task(arn: "arn:aws:ecs:us-east-1:123456789012:task/\(cluster)/00000000000000000000000000000000", cluster: cluster)
        let family = try await definitions.taskDefinition(arn: definition.taskDefinitionArn).family

        // Then
        #expect(described?.tag("consul.hashicorp.com/mesh") == "true")
        #expect(unknown == nil)
        #expect(await tasks.count == 1)
        #expect(family == definition.family)
    }

    /// An unknown cluster is a `ClusterNotFoundException`, not retried.
    @Test func describeTasks_whenClusterUnknown_throwsClusterNotFound() async throws {
        // Given
        let ecs = try Moto.ecs()

        // When
        let error = await #expect(throws: AWSError.self) {
            try await ecs.describeTasks(cluster: Moto.uniqueName("no-such-cluster"), tasks: ["abc"])
        }

        // Then
        #expect(error?.code == "ClusterNotFoundException")
        #expect(error?.isRetryable == false)
    }
}
