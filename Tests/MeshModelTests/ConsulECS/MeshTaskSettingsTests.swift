import MeshModel
import Testing

/// ``MeshTaskSettings``: membership and the precedence of the consul-ecs config over the tags.
struct MeshTaskSettingsTests {
    static let meshTags = MeshTags([
        "consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/service-name": "tagged",
        "consul.hashicorp.com/upstreams": "cache:6379", "consul.hashicorp.com/service-port": "7000",
    ])

    /// The mesh tag decides when present; without it, a consul-ecs config puts the task in the mesh.
    @Test func membership_followsTagThenConfig() {
        #expect(MeshTaskSettings.membership(tags: Self.meshTags, hasConsulECSConfig: true) == .tags)
        #expect(MeshTaskSettings.membership(tags: MeshTags([:]), hasConsulECSConfig: true) == .consulECSConfig)
        #expect(MeshTaskSettings.membership(tags: MeshTags([:]), hasConsulECSConfig: false) == nil)
        #expect(MeshTaskSettings.membership(tags: MeshTags(["consul.hashicorp.com/mesh": "false"]),
                                            hasConsulECSConfig: true) == nil)
    }

    /// What the config sets wins over the tags.
    @Test func init_whenConfigAndTags_configWins() throws {
        // Given
        let config = try ConsulECSConfig.parse(try ConsulECSFixtures.meshTask())
        // When
        let settings = try MeshTaskSettings(source: .tags, tags: Self.meshTags, config: config, family: "Web",
                                            definitionPort: 9999)
        // Then
        #expect(settings.serviceName == "web")
        #expect(settings.nameSource == .consulECSConfig)
        #expect(settings.servicePort == 9090)
        #expect(settings.proxyPort == 21000)
        #expect(settings.upstreams.map(\.destinationName) == ["api", "db"])
        #expect(settings.healthSyncContainers == ["web"])
        #expect(settings.tags == ["v1", "blue"])
        #expect(settings.warnings.count == 2)
    }

    /// Without a config the tags decide, as before.
    @Test func init_whenNoConfig_tagsDecide() throws {
        // When
        let settings = try MeshTaskSettings(source: .tags, tags: Self.meshTags, config: nil, family: "Web",
                                            definitionPort: 9999)
        // Then
        #expect(settings.serviceName == "tagged")
        #expect(settings.nameSource == .tag)
        #expect(settings.servicePort == 7000)
        #expect(settings.upstreams == [MeshUpstream(destinationName: "cache", localBindPort: 6379)])
    }

    /// A config that leaves name and upstreams unset lets the tags fill them.
    @Test func init_whenConfigLeavesFieldsUnset_tagsFillThem() throws {
        // Given
        let config = try ConsulECSConfig.parse(#"{"service": {"port": 8080}}"#)
        // When
        let settings = try MeshTaskSettings(source: .tags, tags: Self.meshTags, config: config, family: "Web",
                                            definitionPort: nil)
        // Then
        #expect(settings.serviceName == "tagged")
        #expect(settings.servicePort == 8080)
        #expect(settings.upstreams == [MeshUpstream(destinationName: "cache", localBindPort: 6379)])
    }

    /// A gateway's port is its LAN port (8443 by default) and its WAN port defaults to it.
    @Test func init_whenGatewayConfig_usesGatewayPorts() throws {
        // Given
        let config = try ConsulECSConfig.parse(#"{"gateway": {"kind": "terminating-gateway"}}"#)
        // When
        let settings = try MeshTaskSettings(source: .consulECSConfig, tags: MeshTags([:]), config: config,
                                            family: "Egress", definitionPort: nil)
        // Then
        #expect(settings.serviceName == "egress")
        #expect(settings.nameSource == .family)
        #expect(settings.gateway == MeshTaskSettings.Gateway(kind: .terminatingGateway, lanPort: 8443, wanPort: 8443))
        #expect(settings.servicePort == 8443)
    }
}
