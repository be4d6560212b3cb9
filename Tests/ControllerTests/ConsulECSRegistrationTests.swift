import AWS
import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

/// The registration worker with consul-ecs task definitions (`CONSUL_ECS_CONFIG_JSON`).
struct ConsulECSRegistrationTests {
    private let logger = Logger(label: "consul-ecs-registration-test")

    /// Counts DescribeTaskDefinition calls behind a real ``TaskDefinitionCache``.
    actor CountingDefinitions: ECSTaskDefinitionDescribing {
        var definitions: [String: ECSTaskDefinition] = [:]
        private(set) var calls = 0

        func add(_ definition: ECSTaskDefinition) { definitions[definition.taskDefinitionArn] = definition }

        func describeTaskDefinition(taskDefinition: String, deadline: ContinuousClock.Instant?,
                                    logger: Logger?) async throws -> ECSTaskDefinition {
            calls += 1
            try await Task.sleep(for: .milliseconds(20))  // a storm's lookups overlap this call
            guard let definition = definitions[taskDefinition] else { throw WorkerTestFailure("no \(taskDefinition)") }
            return definition
        }
    }

    private struct Rig {
        let journal: EventJournal
        let ecs = WorkerFakeECS()
        let definitions = CountingDefinitions()
        let catalog = WorkerRecordingCatalog()
        let book = MeshConfigBook()
        let worker: TaskRegistrationReconciler

        init() throws {
            journal = try EventJournal.inMemory(logger: Logger(label: "test"))
            worker = TaskRegistrationReconciler(
                journal: journal,
                metadata: TaskMetadataResolver(journal: journal, tasks: ecs,
                                               definitions: TaskDefinitionCache(describer: definitions), book: book),
                catalog: catalog, index: ServiceTaskIndex(),
                planConfiguration: MeshPlanConfiguration())
        }

        /// A task of the sample definition whose mesh-init container carries `config`.
        func task(_ taskID: String, tags: [String: String] = [:], config: String) async throws {
            await ecs.add(WorkerSample.ecsTask(taskID, tags: tags))
            await definitions.add(ECSTaskDefinition(
                taskDefinitionArn: WorkerSample.definition, family: "web",
                containerDefinitions: [
                    ECSContainerDefinition(name: "app", portMappings: [ECSPortMapping(containerPort: 8080)]),
                    ECSContainerDefinition(name: "consul-ecs-mesh-init",
                                           environment: [ECSEnvironmentVariable(name: "CONSUL_ECS_CONFIG_JSON", value: config)]),
                ]))
            try await WorkerSample.append(journal, taskID: taskID, version: 1)
        }
    }

    static let config = #"""
    {"service": {"name": "payments", "port": 9090, "tags": ["v2"], "meta": {"team": "pay"}},
     "proxy": {"publicListenerPort": 21000, "upstreams": [{"destinationName": "db", "localBindPort": 5432}]},
     "healthSyncContainers": ["app"], "transparentProxy": {"enabled": true}}
    """#

    /// A task with a consul-ecs config and no mesh tag is registered from its config.
    @Test func reconcile_whenConfigWithoutTags_registersFromConfig() async throws {
        // Given
        let rig = try Rig()
        try await rig.task("t1", config: Self.config)
        // When
        _ = try await rig.worker.reconcile(taskArn: WorkerSample.arn("t1"), logger: logger)
        // Then
        let intent = try #require(await rig.catalog.writes.first?.intent)
        #expect(intent.service.id == "payments-t1")
        #expect(intent.service.port == 9090)
        #expect(intent.service.tags == ["v2"])
        #expect(intent.proxy?.port == 21000)
        #expect(intent.proxy?.proxy?.upstreams == [MeshUpstream(destinationName: "db", localBindPort: 5432)])
        #expect(intent.checks.first?.checkID == "payments-t1-app")
        let status = try #require(rig.book.status(taskArn: WorkerSample.arn("t1")))
        #expect(status.source == "consul-ecs-config")
        #expect(status.nameSource == "consul-ecs-config")
        #expect(status.warnings.map(\.field) == ["transparentProxy"])
        #expect(try await rig.journal.taskMeta(arn: WorkerSample.arn("t1"))?.serviceName == "payments")
    }

    /// An invalid config leaves the task unregistered and fails permanently, naming the field.
    @Test func reconcile_whenConfigInvalid_leavesTaskUnregisteredNamingField() async throws {
        // Given
        let rig = try Rig()
        try await rig.task("t1", tags: WorkerSample.meshTags,
                           config: #"{"service": {"port": 8080}, "proxy": {"upstreams": [{"destinationName": "db", "localBindPort": "x"}]}}"#)
        // When
        let error = await #expect(throws: WorkerError.invalidMeshConfig) {
            _ = try await rig.worker.reconcile(taskArn: WorkerSample.arn("t1"), logger: logger)
        }
        // Then
        #expect(error?.isTransient == false)
        #expect(error?.description.contains("CONSUL_ECS_CONFIG_JSON field proxy.upstreams[0].localBindPort") == true)
        #expect(await rig.catalog.writes.isEmpty)
        let status = try #require(rig.book.status(taskArn: WorkerSample.arn("t1")))
        #expect(status.error?.field == "proxy.upstreams[0].localBindPort")
        #expect(status.source == "tags")
    }

    /// A mesh tag other than "true" keeps a task with a config out of the mesh: the config is not read.
    /// (The definition is fetched early, on the event's word, while DescribeTasks is on the wire: at
    /// most one call for the revision, whose answer the tag makes irrelevant.)
    @Test func reconcile_whenMeshTagFalse_ignoresConfig() async throws {
        // Given
        let rig = try Rig()
        try await rig.task("t1", tags: ["consul.hashicorp.com/mesh": "false"], config: Self.config)
        // When
        _ = try await rig.worker.reconcile(taskArn: WorkerSample.arn("t1"), logger: logger)
        // Then
        #expect(await rig.catalog.writes.isEmpty)
        #expect(await rig.definitions.calls <= 1)
        let status = try #require(rig.book.status(taskArn: WorkerSample.arn("t1")))
        #expect(!status.hasConsulECSConfig)
        #expect(status.source == nil)
    }

    /// A storm of tasks of one revision costs one DescribeTaskDefinition.
    @Test func reconcile_whenManyTasksOfOneRevision_describesDefinitionOnce() async throws {
        // Given
        let rig = try Rig()
        let ids = (1...40).map { "t\($0)" }
        for id in ids { try await rig.task(id, config: Self.config) }
        // When
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask { _ = try await rig.worker.reconcile(taskArn: WorkerSample.arn(id), logger: logger) }
            }
            try await group.waitForAll()
        }
        // Then
        #expect(await rig.definitions.calls == 1)
        #expect(await rig.catalog.writes.count == ids.count)
    }

    /// A gateway task is registered as its kind with no sidecar.
    @Test func reconcile_whenGatewayConfig_registersGateway() async throws {
        // Given
        let rig = try Rig()
        try await rig.task("g1", config: #"{"gateway": {"kind": "terminating-gateway", "name": "egress", "wanAddress": {"address": "198.51.100.7", "port": 443}}}"#)
        // When
        _ = try await rig.worker.reconcile(taskArn: WorkerSample.arn("g1"), logger: logger)
        // Then
        let intent = try #require(await rig.catalog.writes.first?.intent)
        #expect(intent.service.kind.rawValue == "terminating-gateway")
        #expect(intent.service.id == "egress-g1")
        #expect(intent.service.port == 8443)
        #expect(intent.service.taggedAddresses["wan"] == CatalogAddress(address: "198.51.100.7", port: 443))
        #expect(intent.proxy == nil)
        #expect(rig.book.status(taskArn: WorkerSample.arn("g1"))?.gatewayKind == "terminating-gateway")
    }
}
