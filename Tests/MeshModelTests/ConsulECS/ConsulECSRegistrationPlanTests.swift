import MeshModel
import OpaqueJSON
import Testing

/// ``ServiceRegistrationPlan`` from ``MeshTaskSettings``: consul-ecs config fields and gateways.
struct ConsulECSRegistrationPlanTests {
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/apps"
    static let taskID = "0123456789abcdef0123456789abcdef"

    static func task(last: TaskStatus = .running, desired: TaskStatus = .running) -> TaskRecord {
        TaskRecord(
            taskArn: "arn:aws:ecs:us-east-1:123456789012:task/apps/\(taskID)", taskID: taskID, clusterArn: cluster,
            lastStatus: last, desiredStatus: desired, version: 3,
            taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7", family: "web",
            address: "10.0.1.23"
        )
    }

    static func settings(_ configText: String) throws -> MeshTaskSettings {
        try MeshTaskSettings(source: .consulECSConfig, tags: MeshTags([:]), config: try ConsulECSConfig.parse(configText),
                             family: "web", definitionPort: nil)
    }

    static func intent(_ settings: MeshTaskSettings, task: TaskRecord = task(),
                       health: [String: ContainerHealth] = [:]) throws -> CatalogIntent {
        let plan = ServiceRegistrationPlan(task: task, settings: settings, containerHealth: health, configuration: .init())
        guard case let .register(intent) = plan else { Issue.record("expected a registration, got \(plan)"); throw PlanError() }
        return intent
    }

    struct PlanError: Error {}

    /// The mesh-task module's config: name, port, tags, meta, proxy port, upstreams, health-sync checks.
    @Test func plan_whenMeshTaskModuleConfig_registersItsFields() throws {
        // Given
        let settings = try Self.settings(ConsulECSFixtures.meshTask())
        // When
        let intent = try Self.intent(settings, health: ["web": .healthy])
        // Then
        #expect(intent.service.name == "web")
        #expect(intent.service.port == 9090)
        #expect(intent.service.tags == ["v1", "blue"])
        #expect(intent.service.meta["team"] == "payments")
        #expect(intent.service.meta["task-id"] == Self.taskID)
        let proxy = try #require(intent.proxy)
        #expect(proxy.port == 21000)
        #expect(proxy.proxy?.upstreams == [
            MeshUpstream(destinationName: "api", localBindPort: 1234),
            MeshUpstream(destinationName: "db", localBindPort: 5432, datacenter: "dc2", meshGateway: .local),
        ])
        #expect(intent.checks.map(\.checkID) == [
            "web-\(Self.taskID)-web", "web-\(Self.taskID)-sidecar-proxy-destination-health",
        ])
        #expect(intent.checks.allSatisfy { $0.status == .passing })
    }

    /// Our meta keys win over the config's (resync recognises registrations by them).
    @Test func plan_whenConfigMetaClashes_ownMetaWins() throws {
        // Given
        let settings = try Self.settings(#"{"service": {"port": 80, "meta": {"source": "mine", "tier": "1"}}}"#)
        // When
        let intent = try Self.intent(settings)
        // Then
        #expect(intent.service.meta["source"] == "ecs-mesh-controller")
        #expect(intent.service.meta["tier"] == "1")
    }

    /// proxy.config, proxy.meshGateway, weights and enableTagOverride reach the registrations.
    @Test func plan_whenProxyConfig_carriesIt() throws {
        // Given
        let settings = try Self.settings(#"""
        {"service": {"port": 80, "enableTagOverride": true, "weights": {"passing": 3, "warning": 1}},
         "proxy": {"config": {"protocol": "http"}, "meshGateway": {"mode": "local"}}}
        """#)
        // When
        let intent = try Self.intent(settings)
        // Then
        #expect(intent.service.enableTagOverride)
        #expect(intent.service.weights == ServiceWeights(passing: 3, warning: 1))
        #expect(intent.proxy?.proxy?.config == .object(["protocol": .string("http")]))
        #expect(intent.proxy?.proxy?.meshGateway == .local)
    }

    /// A mesh gateway: its kind, LAN address defaulting to the task's, WAN address, no sidecar.
    @Test func plan_whenGatewayTaskModuleConfig_registersGatewayWithoutSidecar() throws {
        // Given
        let settings = try Self.settings(try ConsulECSFixtures.gatewayTask())
        // When
        let intent = try Self.intent(settings)
        // Then
        #expect(intent.proxy == nil)
        #expect(intent.service.id == "mesh-gateway-\(Self.taskID)")
        #expect(intent.service.kind.rawValue == "mesh-gateway")
        #expect(intent.service.address == "10.0.1.23")
        #expect(intent.service.port == 8443)
        #expect(intent.service.taggedAddresses == [
            "lan": CatalogAddress(address: "10.0.1.23", port: 8443),
            "wan": CatalogAddress(address: "203.0.113.10", port: 443),
        ])
        #expect(intent.checks.map(\.checkID) == ["mesh-gateway-\(Self.taskID)-ecs-task-status"])
        #expect(intent.serviceIDs == ["mesh-gateway-\(Self.taskID)"])
    }

    /// A gateway's health follows the same rules: stopping makes it critical.
    @Test func plan_whenGatewayStopping_checkCritical() throws {
        // Given
        let settings = try Self.settings(#"{"gateway": {"kind": "terminating-gateway", "name": "egress"}}"#)
        // When
        let intent = try Self.intent(settings, task: Self.task(desired: .stopped))
        // Then
        #expect(intent.service.kind.rawValue == "terminating-gateway")
        #expect(intent.checks.map(\.status) == [.critical])
    }

    /// A stopped gateway task deregisters only the gateway.
    @Test func plan_whenGatewayStopped_deregistersGatewayOnly() throws {
        // Given
        let settings = try Self.settings(#"{"gateway": {"kind": "ingress-gateway", "name": "ingress"}}"#)
        // When
        let plan = ServiceRegistrationPlan(task: Self.task(last: .stopped, desired: .stopped), settings: settings,
                                           containerHealth: [:], configuration: .init())
        // Then
        #expect(plan == .deregister(node: Self.cluster, serviceIDs: ["ingress-\(Self.taskID)"]))
    }

    /// api-gateway is recognised and skipped as unsupported on Consul 1.8.7.
    @Test func plan_whenAPIGateway_skipsAsUnsupported() throws {
        // Given
        let settings = try Self.settings(#"{"gateway": {"kind": "api-gateway", "name": "api-gw"}}"#)
        // When
        let plan = ServiceRegistrationPlan(task: Self.task(), settings: settings, containerHealth: [:], configuration: .init())
        // Then
        #expect(plan == .skip(.unsupportedGatewayKind(.apiGateway)))
    }
}
