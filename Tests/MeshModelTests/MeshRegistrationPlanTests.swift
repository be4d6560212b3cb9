import MeshModel
import Testing

/// ``ServiceRegistrationPlan``: consul-ecs IDs, names and check rules (facts §2, §3).
struct ServiceRegistrationPlanTests {
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/apps"
    static let taskID = "0123456789abcdef0123456789abcdef"
    static let taskArn = "arn:aws:ecs:us-east-1:123456789012:task/apps/\(taskID)"

    static func task(
        last: TaskStatus = .running, desired: TaskStatus? = .running, address: String? = "10.0.1.23"
    ) -> TaskRecord {
        TaskRecord(
            taskArn: taskArn, taskID: taskID, clusterArn: cluster, lastStatus: last, desiredStatus: desired,
            version: 3, taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/Web:4",
            family: "Web", address: address
        )
    }

    static let meshTags = MeshTags([
        "consul.hashicorp.com/mesh": "true",
        "consul.hashicorp.com/upstreams": "db:5432",
    ])

    static func plan(
        _ task: TaskRecord = task(), tags: MeshTags = meshTags, port: Int? = 8080,
        health: [String: ContainerHealth] = [:], configuration: MeshPlanConfiguration = .init()
    ) throws -> ServiceRegistrationPlan {
        try ServiceRegistrationPlan(
            task: task, tags: tags, servicePort: port, containerHealth: health, configuration: configuration
        )
    }

    static func intent(_ plan: ServiceRegistrationPlan) -> CatalogIntent? {
        if case let .register(intent) = plan { intent } else { nil }
    }

    static func withHealthSync(_ containers: String) -> MeshTags {
        var tags = meshTags
        tags.tags["consul.hashicorp.com/health-sync-containers"] = containers
        return tags
    }

    /// A running mesh task registers on the synthetic node with consul-ecs IDs and names.
    @Test func plan_whenRunningMeshTask_registersServiceWithConsulECSNames() throws {
        // Given / When
        let intent = try #require(Self.intent(try Self.plan()))
        // Then
        #expect(intent.node == Self.cluster)
        #expect(intent.nodeAddress == "10.0.1.23")
        #expect(intent.nodeMeta == ["synthetic-node": "true"])
        #expect(intent.service == CatalogService(
            id: "web-\(Self.taskID)", name: "web", kind: .typical, address: "10.0.1.23", port: 8080,
            meta: ["task-id": Self.taskID, "task-arn": Self.taskArn, "source": "ecs-mesh-controller"]
        ))
    }

    /// The sidecar proxy is `<serviceID>-sidecar-proxy` / `<service>-sidecar-proxy` on port 20000.
    @Test func plan_whenRunningMeshTask_registersSidecarProxy() throws {
        // Given / When
        let intent = try #require(Self.intent(try Self.plan()))
        // Then
        #expect(intent.proxy == CatalogService(
            id: "web-\(Self.taskID)-sidecar-proxy", name: "web-sidecar-proxy", kind: .connectProxy,
            address: "10.0.1.23", port: 20000,
            meta: ["task-id": Self.taskID, "task-arn": Self.taskArn, "source": "ecs-mesh-controller"],
            proxy: ProxySettings(
                destinationServiceName: "web", destinationServiceID: "web-\(Self.taskID)",
                localServiceAddress: "127.0.0.1", localServicePort: 8080,
                upstreams: [MeshUpstream(destinationName: "db", localBindPort: 5432)]
            )
        ))
        #expect(intent.serviceIDs == ["web-\(Self.taskID)", "web-\(Self.taskID)-sidecar-proxy"])
    }

    /// Proxy port and source meta come from the configuration.
    @Test func plan_whenConfigured_usesProxyPortAndSource() throws {
        // Given
        let configuration = MeshPlanConfiguration(proxyPort: 21000, sourceMeta: "consul-ecs")
        // When
        let intent = try #require(Self.intent(try Self.plan(configuration: configuration)))
        // Then
        #expect(intent.proxy?.port == 21000)
        #expect(intent.service.meta["source"] == "consul-ecs")
        #expect(intent.proxy?.meta["source"] == "consul-ecs")
    }

    /// The service-name tag names the service and every ID derived from it.
    @Test func plan_whenServiceNameTag_usesItForIDs() throws {
        // Given
        var tags = Self.meshTags
        tags.tags["consul.hashicorp.com/service-name"] = "billing"
        // When
        let intent = try #require(Self.intent(try Self.plan(tags: tags)))
        // Then
        #expect(intent.service.id == "billing-\(Self.taskID)")
        #expect(intent.proxy?.name == "billing-sidecar-proxy")
    }

    /// One check per health-synced container, with consul-ecs ID, name, type and notes.
    @Test func plan_whenHealthSyncContainers_oneCheckPerContainerWithConsulECSFields() throws {
        // Given
        let tags = Self.withHealthSync("app,worker")
        // When
        let intent = try #require(Self.intent(try Self.plan(tags: tags, health: ["app": .healthy, "worker": .healthy])))
        // Then
        let checks = intent.checks(of: "web-\(Self.taskID)")
        #expect(checks.map(\.checkID) == ["web-\(Self.taskID)-app", "web-\(Self.taskID)-worker"])
        #expect(checks.allSatisfy { $0.name == "Consul ECS health check synced" })
        #expect(checks.allSatisfy { $0.type == "consul-ecs-health-check" })
        #expect(checks[0].notes
            == "consul-ecs created and updates this check because the app container has an ECS health check.")
        #expect(checks.allSatisfy { $0.status == .passing })
        #expect(checks[0].output == "ECS health status is \"HEALTHY\" for container \"app\"")
    }

    /// HEALTHY → passing; UNHEALTHY, UNKNOWN and missing → critical, each saying why.
    @Test func plan_whenContainerHealthMixed_onlyHealthyPasses() throws {
        // Given
        let tags = Self.withHealthSync("a,b,c,d")
        let health: [String: ContainerHealth] = ["a": .healthy, "b": .unhealthy, "c": .unknown]
        // When
        let intent = try #require(Self.intent(try Self.plan(tags: tags, health: health)))
        // Then
        let checks = intent.checks(of: "web-\(Self.taskID)")
        #expect(checks.map(\.status) == [.passing, .critical, .critical, .critical])
        #expect(checks[1].output == "ECS health status is \"UNHEALTHY\" for container \"b\"")
        #expect(checks[2].output == "ECS health status is \"UNKNOWN\" for container \"c\"")
        #expect(checks[3].output.contains("missing"))
    }

    /// Before any health report every check starts critical.
    @Test func plan_whenNoHealthReported_checksStartCritical() throws {
        // Given
        let tags = Self.withHealthSync("app")
        // When
        let intent = try #require(Self.intent(try Self.plan(tags: tags, health: [:])))
        // Then
        #expect(intent.checks.allSatisfy { $0.status == .critical })
        #expect(intent.checks[0].output.hasPrefix("Service web is not ready"))
    }

    /// Without health-synced containers, one task-status check passes while RUNNING/RUNNING.
    @Test func plan_whenNoHealthSyncContainers_taskStatusCheckPassesWhileRunning() throws {
        // Given / When
        let intent = try #require(Self.intent(try Self.plan()))
        // Then
        let checks = intent.checks(of: "web-\(Self.taskID)")
        #expect(checks.count == 1)
        #expect(checks[0].checkID == "web-\(Self.taskID)-ecs-task-status")
        #expect(checks[0].status == .passing)
    }

    /// The task-status check is critical before the task runs.
    @Test(arguments: [TaskStatus.pending, .activating])
    func plan_whenTaskNotYetRunning_taskStatusCheckCritical(status: TaskStatus) throws {
        // Given / When
        let intent = try #require(Self.intent(try Self.plan(Self.task(last: status))))
        // Then
        let check = try #require(intent.checks(of: "web-\(Self.taskID)").first)
        #expect(check.status == .critical)
        #expect(check.output.contains(status.rawValue))
    }

    /// desiredStatus STOPPED turns every check critical, with an output saying the task is stopping.
    @Test func plan_whenDesiredStopped_everyCheckCriticalSayingStopping() throws {
        // Given
        let tags = Self.withHealthSync("app")
        let task = Self.task(last: .running, desired: .stopped)
        // When
        let intent = try #require(Self.intent(try Self.plan(task, tags: tags, health: ["app": .healthy])))
        // Then
        #expect(intent.checks.count == 2)
        #expect(intent.checks.allSatisfy { $0.status == .critical && $0.output.contains("stopping") })
    }

    /// The same holds for the task-status check.
    @Test func plan_whenDesiredStoppedWithoutHealthSync_taskStatusCritical() throws {
        // Given / When
        let intent = try #require(Self.intent(try Self.plan(Self.task(last: .deactivating, desired: .stopped))))
        // Then
        #expect(intent.checks.allSatisfy { $0.status == .critical && $0.output.contains("stopping") })
    }

    /// The proxy check passes only when every service check passes, and names the failing ones.
    @Test func plan_whenServiceCheckFails_proxyCheckCriticalNamingIt() throws {
        // Given
        let tags = Self.withHealthSync("app,worker")
        // When
        let healthy = try #require(Self.intent(try Self.plan(tags: tags, health: ["app": .healthy, "worker": .healthy])))
        let sick = try #require(Self.intent(try Self.plan(tags: tags, health: ["app": .healthy, "worker": .unhealthy])))
        // Then
        let proxyID = "web-\(Self.taskID)-sidecar-proxy"
        let healthyProxy = try #require(healthy.checks(of: proxyID).first)
        let sickProxy = try #require(sick.checks(of: proxyID).first)
        #expect(healthyProxy.checkID == "\(proxyID)-destination-health")
        #expect(healthyProxy.status == .passing)
        #expect(sickProxy.status == .critical)
        #expect(sickProxy.output.contains("web-\(Self.taskID)-worker"))
    }

    /// The proxy check can be turned off.
    @Test func plan_whenProxyMirroringOff_noProxyCheck() throws {
        // Given
        let configuration = MeshPlanConfiguration(proxyMirrorsServiceHealth: false)
        // When
        let intent = try #require(Self.intent(try Self.plan(configuration: configuration)))
        // Then
        #expect(intent.checks.map(\.serviceID) == ["web-\(Self.taskID)"])
    }

    /// lastStatus STOPPED deregisters service then proxy from the cluster node.
    @Test func plan_whenLastStopped_deregistersServiceThenProxy() throws {
        // Given / When
        let plan = try Self.plan(Self.task(last: .stopped, desired: .stopped, address: nil))
        // Then
        #expect(plan == .deregister(
            node: Self.cluster,
            serviceIDs: ["web-\(Self.taskID)", "web-\(Self.taskID)-sidecar-proxy"]
        ))
    }

    /// A task without the mesh tag is skipped.
    @Test func plan_whenNotMesh_skips() throws {
        // Given / When
        let plan = try Self.plan(tags: MeshTags(["consul.hashicorp.com/service-name": "web"]))
        // Then
        #expect(plan == .skip(.notMesh))
    }

    /// A task still provisioning its ENI is skipped until it has an address.
    @Test(arguments: [TaskStatus.provisioning, .pending])
    func plan_whenNoAddressYet_skips(status: TaskStatus) throws {
        // Given / When
        let plan = try Self.plan(Self.task(last: status, address: nil))
        // Then
        #expect(plan == .skip(.noAddress(lastStatus: status)))
    }

    /// No resolved service port: skipped with a reason rather than registered on port 0.
    @Test func plan_whenNoServicePort_skips() throws {
        #expect(try Self.plan(port: nil) == .skip(.noServicePort))
    }

    /// A bad tag on a mesh task is a typed error for the worker to park with.
    @Test func plan_whenUpstreamTagInvalid_throws() {
        // Given
        var tags = Self.meshTags
        tags.tags["consul.hashicorp.com/upstreams"] = "db"
        // When / Then
        #expect(throws: MeshTagError.invalidUpstream(entry: "db")) { try Self.plan(tags: tags) }
    }

    /// Planning twice from the same inputs gives equal intents (level-triggered, no write needed).
    @Test func plan_whenRepeated_isEqual() throws {
        #expect(try Self.plan() == (try Self.plan()))
    }
}
