public import OpaqueJSON

/// Everything a mesh task registers as, merged from its `consul.hashicorp.com/*` tags and its
/// task definition's `CONSUL_ECS_CONFIG_JSON`: the registration planner's input.
///
/// Precedence (docs/consul-ecs-compat.md): a field the consul-ecs config sets wins, because that is
/// what consul-ecs's own `mesh-init` would register; a tag fills what the config leaves unset; the
/// task definition (family, first port mapping) comes last. Membership: tag
/// `consul.hashicorp.com/mesh=true`, or, when that tag is absent, a `CONSUL_ECS_CONFIG_JSON` in the
/// task definition; a mesh tag with any other value keeps the task out.
public struct MeshTaskSettings: Sendable, Equatable {
    /// What decided that the task is in the mesh.
    public enum Source: String, Sendable, Equatable, Codable {
        /// Tag `consul.hashicorp.com/mesh=true`.
        case tags
        /// A `CONSUL_ECS_CONFIG_JSON` in the task definition (no mesh tag).
        case consulECSConfig = "consul-ecs-config"
    }

    /// Where the service (or gateway) name came from.
    public enum NameSource: String, Sendable, Equatable, Codable {
        case consulECSConfig = "consul-ecs-config"
        case tag
        case family
    }

    /// A gateway task's own settings.
    public struct Gateway: Sendable, Equatable {
        public var kind: GatewayKind
        /// `lanAddress.address`; `nil` for the task's ENI address.
        public var lanAddress: String?
        public var lanPort: Int
        /// `wanAddress.address`; `nil` for the LAN address.
        public var wanAddress: String?
        /// `wanAddress.port`, else the LAN port.
        public var wanPort: Int
        public var proxyConfig: JSONValue?

        public init(kind: GatewayKind, lanAddress: String? = nil, lanPort: Int = GatewayKind.defaultPort,
                    wanAddress: String? = nil, wanPort: Int? = nil, proxyConfig: JSONValue? = nil) {
            self.kind = kind
            self.lanAddress = lanAddress
            self.lanPort = lanPort
            self.wanAddress = wanAddress
            self.wanPort = wanPort ?? lanPort
            self.proxyConfig = proxyConfig
        }
    }

    public var source: Source
    public var serviceName: String
    public var nameSource: NameSource
    /// The application's port; `nil` when nothing gave one (the task is then not registered).
    public var servicePort: Int?
    public var tags: [String] = []
    public var meta: [String: String] = [:]
    public var enableTagOverride = false
    public var weights: ServiceWeights?
    /// `proxy.publicListenerPort`; `nil` for the configured default.
    public var proxyPort: Int?
    /// `proxy.localServiceAddress`; `nil` for the configured default.
    public var localServiceAddress: String?
    public var upstreams: [MeshUpstream] = []
    public var proxyConfig: JSONValue?
    public var meshGateway: MeshGatewayMode?
    public var healthSyncContainers: [String] = []
    /// Set for a gateway task, which is registered as the gateway with no sidecar.
    public var gateway: Gateway?
    /// Accepted config fields the controller does not honour.
    public var warnings: [ConsulECSConfigWarning] = []

    public init(source: Source, serviceName: String, nameSource: NameSource, servicePort: Int?) {
        self.source = source
        self.serviceName = serviceName
        self.nameSource = nameSource
        self.servicePort = servicePort
    }

    /// Whether `tags` and the presence of a consul-ecs config put a task in the mesh, and why.
    /// - Returns: `nil` when the task is not in the mesh.
    public static func membership(tags: MeshTags, hasConsulECSConfig: Bool) -> Source? {
        if tags.isMesh { return .tags }
        if tags.tags[MeshTags.Key.mesh] == nil, hasConsulECSConfig { return .consulECSConfig }
        return nil
    }

    /// Merges `tags` and `config` (precedence in the type's documentation).
    /// - Parameters:
    ///   - source: The membership decision (``membership(tags:hasConsulECSConfig:)``).
    ///   - family: The task-definition family, if known.
    ///   - definitionPort: The task definition's first container port, if any.
    /// - Throws: ``MeshTagError`` for a tag the config does not override and that cannot be used.
    public init(source: Source, tags: MeshTags, config: ConsulECSConfig?, family: String?,
                definitionPort: Int?) throws(MeshTagError) {
        let configName = config?.gateway != nil ? config?.gateway?.name : config?.service?.name
        if let configName {
            self.init(source: source, serviceName: configName, nameSource: .consulECSConfig, servicePort: nil)
        } else {
            let name = try tags.serviceName(family: family)
            self.init(source: source, serviceName: name,
                      nameSource: tags.tags[MeshTags.Key.serviceName] == nil ? .family : .tag, servicePort: nil)
        }
        warnings = config?.warnings ?? []
        healthSyncContainers = config?.healthSyncContainers ?? tags.healthSyncContainers
        if let gateway = config?.gateway {
            self.gateway = Gateway(
                kind: gateway.kind, lanAddress: gateway.lanAddress?.address,
                lanPort: gateway.lanAddress?.port ?? GatewayKind.defaultPort,
                wanAddress: gateway.wanAddress?.address, wanPort: gateway.wanAddress?.port, proxyConfig: gateway.proxyConfig)
            self.tags = gateway.tags
            meta = gateway.meta
            servicePort = self.gateway?.lanPort
            return
        }
        if let service = config?.service {
            servicePort = service.port
            self.tags = service.tags
            meta = service.meta
            enableTagOverride = service.enableTagOverride
            weights = service.weights
        } else {
            servicePort = try tags.servicePort ?? definitionPort
        }
        proxyPort = config?.proxy?.publicListenerPort
        localServiceAddress = config?.proxy?.localServiceAddress
        proxyConfig = config?.proxy?.config
        meshGateway = config?.proxy?.meshGateway
        if let upstreams = config?.proxy?.upstreams {
            self.upstreams = upstreams
        } else {
            self.upstreams = try tags.upstreams
        }
    }
}
