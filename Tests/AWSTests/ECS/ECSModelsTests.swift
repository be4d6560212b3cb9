import AWS
import Foundation
import Testing

/// Lenient decoding of ECS responses (AWS-shaped and moto-shaped).
struct ECSModelsTests {
    private func decode<T: Decodable>(_ type: T.Type, _ fixture: String) throws -> T {
        try JSONDecoder().decode(type, from: try Fixtures.data(fixture))
    }

    /// An AWS-shaped task decodes with tags, ENI address, containers, version and scientific-notation dates.
    @Test func decode_whenAWSShapedTask_readsEveryUsedField() throws {
        // Given / When
        let result = try decode(ECSDescribeTasksResult.self, "ecs/describe-tasks-aws.json")

        // Then
        let task = try #require(result.tasks.first)
        #expect(task.taskArn == "arn:aws:ecs:us-east-1:123456789012:task/apps/0123456789abcdef0123456789abcdef")
        #expect(task.taskID == "0123456789abcdef0123456789abcdef")
        #expect(task.clusterArn == "arn:aws:ecs:us-east-1:123456789012:cluster/apps")
        #expect(task.taskDefinitionArn == "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7")
        #expect(task.group == "service:web")
        #expect(task.lastStatus == "RUNNING" && task.desiredStatus == "RUNNING")
        #expect(task.version == 4)
        #expect(task.tag("consul.hashicorp.com/mesh") == "true")
        #expect(task.tag("consul.hashicorp.com/service-name") == "web")
        #expect(task.tag("absent") == nil)
        #expect(task.privateIPv4Address == "10.0.1.23")
        #expect(task.containers.map(\.name) == ["app", "consul-dataplane"])
        #expect(task.containers.map(\.healthStatus) == ["HEALTHY", "UNKNOWN"])
        #expect(task.containers[0].networkInterfaces.first?.privateIpv4Address == "10.0.1.23")
        #expect(task.startedAt == Date(timeIntervalSince1970: 1_523_477_145.713))
        #expect(task.stoppedAt == nil)
        #expect(result.failures == [ECSFailure(arn: "arn:aws:ecs:us-east-1:123456789012:task/apps/0000000000000000000000000000dead", reason: "MISSING")])
    }

    /// A stopped task full of explicit nulls decodes with nils and empty lists.
    @Test func decode_whenExplicitNulls_givesNilAndEmpty() throws {
        // Given / When
        let result = try decode(ECSDescribeTasksResult.self, "ecs/describe-tasks-aws.json")

        // Then
        let task = try #require(result.tasks.last)
        #expect(task.lastStatus == "STOPPED")
        #expect(task.stoppedReason == "test stop")
        #expect(task.version == nil && task.stopCode == nil && task.stoppedAt == nil)
        #expect(task.tags.isEmpty)
        #expect(task.containers.first?.networkInterfaces.isEmpty == true)
        #expect(task.privateIPv4Address == nil)
    }

    /// moto's RunTask/DescribeTasks output (no version, no timestamps, empty container interfaces) decodes.
    @Test func decode_whenMotoShapedTasks_readsTagsAndENIAddress() throws {
        // Given / When
        let result = try decode(ECSDescribeTasksResult.self, "ecs/run-task-moto.json")

        // Then
        #expect(result.tasks.count == 2)
        let task = result.tasks[0]
        #expect(task.version == nil)
        #expect(task.tags == [ECSTag(key: "consul-service", value: "web"), ECSTag(key: "secret-name", value: "svc/web")])
        #expect(task.privateIPv4Address == "10.108.237.107")
        #expect(task.attachments.first?.status == "ATTACHED")
        #expect(task.containers.first?.lastStatus == "PENDING")
        #expect(task.startedBy == "webhook-test")
    }

    /// A task definition gives family and container ports; containers without mappings are fine.
    @Test func decode_whenTaskDefinition_readsFamilyAndPorts() throws {
        // Given
        struct Response: Decodable { var taskDefinition: ECSTaskDefinition }

        // When
        let definition = try decode(Response.self, "ecs/describe-task-definition-moto.json").taskDefinition

        // Then
        #expect(definition.family == "web")
        #expect(definition.revision == 1)
        #expect(definition.networkMode == "awsvpc")
        #expect(definition.containerPorts == [8080, 9090])
        #expect(definition.containerDefinitions.map(\.name) == ["app", "sidecar"])
        #expect(definition.containerDefinitions[1].portMappings.isEmpty)
    }

    /// A task encodes and decodes back to itself (the controller may persist descriptions).
    @Test func roundTrip_whenEncodedAndDecoded_isEqual() throws {
        // Given
        let original = try decode(ECSDescribeTasksResult.self, "ecs/describe-tasks-aws.json").tasks[0]

        // When
        let decoded = try JSONDecoder().decode(ECSTask.self, from: try JSONEncoder().encode(original))

        // Then
        #expect(decoded == original)
    }
}
