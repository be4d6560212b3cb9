import MeshModel
import OpaqueJSON
import Testing

/// ``ConsulECSConfig/parse(_:)``: consul-ecs's `config/schema.json` read from task definitions as the
/// Terraform modules write them.
struct ConsulECSConfigTests {
    /// The mesh-task module's config gives the service, proxy, upstreams and health-sync containers.
    @Test func parse_whenMeshTaskModuleConfig_readsServiceProxyAndHealthSync() throws {
        // Given
        let text = try ConsulECSFixtures.meshTask()
        // When
        let config = try ConsulECSConfig.parse(text)
        // Then
        #expect(config.service == ConsulECSConfig.Service(name: "web", port: 9090, tags: ["v1", "blue"],
                                                          meta: ["team": "payments"]))
        #expect(config.proxy?.publicListenerPort == 21000)
        #expect(config.proxy?.upstreams == [
            MeshUpstream(destinationName: "api", localBindPort: 1234),
            MeshUpstream(destinationName: "db", localBindPort: 5432, datacenter: "dc2", meshGateway: .local),
        ])
        #expect(config.healthSyncContainers == ["web"])
        #expect(config.gateway == nil)
    }

    /// IAM login and transparent proxy are accepted but reported; empty namespace/partition are not.
    @Test func parse_whenMeshTaskModuleConfig_warnsAboutLoginAndTransparentProxyOnly() throws {
        // Given
        let text = try ConsulECSFixtures.meshTask()
        // When
        let config = try ConsulECSConfig.parse(text)
        // Then
        #expect(config.warnings.map(\.field) == ["consulLogin", "transparentProxy"])
    }

    /// The gateway-task module's config gives the kind, name, addresses and meta.
    @Test func parse_whenGatewayTaskModuleConfig_readsGateway() throws {
        // Given
        let text = try ConsulECSFixtures.gatewayTask()
        // When
        let config = try ConsulECSConfig.parse(text)
        // Then
        let gateway = try #require(config.gateway)
        #expect(gateway.kind == .meshGateway)
        #expect(gateway.name == "mesh-gateway")
        #expect(gateway.lanAddress == ConsulECSConfig.GatewayAddress(address: nil, port: 8443))
        #expect(gateway.wanAddress == ConsulECSConfig.GatewayAddress(address: "203.0.113.10", port: 443))
        #expect(gateway.meta == ["consul-wan-federation": "1"])
        #expect(config.healthSyncContainers == [])
    }

    /// A bad upstream port is named by its path.
    @Test func parse_whenUpstreamPortOutOfRange_namesTheField() throws {
        // Given
        let text = try ConsulECSFixtures.edited(try ConsulECSFixtures.meshTask()) { object in
            object["proxy"] = ["upstreams": [["destinationName": "api", "localBindPort": 70000]]]
        }
        // When / Then
        let error = try #require(throws: ConsulECSConfigError.self) { try ConsulECSConfig.parse(text) }
        #expect(error.field == "proxy.upstreams[0].localBindPort")
        #expect(error.description.contains("70000"))
    }

    /// Wrong types, missing required fields and bad enum values name the field.
    @Test(arguments: [
        (#"{"service": {"port": "8080"}}"#, "service.port"),
        (#"{"service": {"name": "web"}}"#, "service.port"),
        (#"{"service": {"port": 8080, "tags": ["a", "a"]}}"#, "service.tags[1]"),
        (#"{"service": {"port": 8080, "meta": {"a": 1}}}"#, "service.meta.a"),
        (#"{"service": {"port": 8080, "name": "Web"}}"#, "service.name"),
        (#"{"service": {"port": 8080, "weights": {"passing": 3}}}"#, "service.weights.warning"),
        (#"{"proxy": {"publicListenerPort": 0}}"#, "proxy.publicListenerPort"),
        (#"{"proxy": {"upstreams": [{"localBindPort": 1}]}}"#, "proxy.upstreams[0].destinationName"),
        (#"{"proxy": {"upstreams": [{"destinationName": "a", "localBindPort": 1}, {"destinationName": "b", "localBindPort": 1}]}}"#,
         "proxy.upstreams[1].localBindPort"),
        (#"{"proxy": {"meshGateway": {"mode": "sideways"}}}"#, "proxy.meshGateway.mode"),
        (#"{"gateway": {"kind": "egress-gateway"}}"#, "gateway.kind"),
        (#"{"gateway": {"kind": "mesh-gateway", "wanAddress": {"port": 99999}}}"#, "gateway.wanAddress.port"),
        (#"{"healthSyncContainers": "web"}"#, "healthSyncContainers"),
        (#"[1, 2]"#, ""),
    ])
    func parse_whenFieldInvalid_namesIt(text: String, field: String) throws {
        // When / Then
        let error = try #require(throws: ConsulECSConfigError.self) { try ConsulECSConfig.parse(text) }
        #expect(error.field == field)
    }

    /// Text that is not JSON is an error of the whole document.
    @Test func parse_whenNotJSON_failsWithoutField() throws {
        // When / Then
        let error = try #require(throws: ConsulECSConfigError.self) { try ConsulECSConfig.parse("{\"service\": ") }
        #expect(error.field == "")
        #expect(error.description == "CONSUL_ECS_CONFIG_JSON: is not valid JSON")
    }

    /// Enterprise-only names, peering and unknown fields are accepted with warnings naming them.
    @Test func parse_whenUnsupportedFields_acceptsWithWarnings() throws {
        // Given
        let text = #"""
        {"service": {"port": 8080, "namespace": "team-a", "partition": "default"},
         "proxy": {"upstreams": [{"destinationName": "db", "localBindPort": 5432, "destinationPeer": "east"}]},
         "futureField": true}
        """#
        // When
        let config = try ConsulECSConfig.parse(text)
        // Then
        #expect(config.warnings.map(\.field) == ["service.namespace", "proxy.upstreams[0].destinationPeer", "futureField"])
        #expect(config.service?.port == 8080)
    }

    /// Proxy config, mesh gateway mode, weights and tag override are carried as given.
    @Test func parse_whenProxyConfigAndWeights_keepsThem() throws {
        // Given
        let text = #"""
        {"service": {"port": 8080, "enableTagOverride": true, "weights": {"passing": 5, "warning": 1}},
         "proxy": {"config": {"protocol": "http", "connect_timeout_ms": 500}, "meshGateway": {"mode": "local"}}}
        """#
        // When
        let config = try ConsulECSConfig.parse(text)
        // Then
        #expect(config.service?.enableTagOverride == true)
        #expect(config.service?.weights == ServiceWeights(passing: 5, warning: 1))
        #expect(config.proxy?.config == .object(["protocol": .string("http"), "connect_timeout_ms": .int(500)]))
        #expect(config.proxy?.meshGateway == .local)
        #expect(config.warnings.isEmpty)
    }
}
