public import OpaqueJSON

/// The parts of a task's `CONSUL_ECS_CONFIG_JSON` (consul-ecs `config/schema.json`) that decide its
/// Consul registration, as the `consul-ecs-mesh-init` container of terraform-aws-consul-ecs's
/// `mesh-task` and `gateway-task` modules receives them.
///
/// Fields the controller cannot honour are accepted and listed in ``warnings``; fields that only
/// consul-ecs's own containers use (`bootstrapDir`, `consulServers`, `logLevel`, `controller`) are
/// accepted silently. Build one with ``parse(_:)``.
public struct ConsulECSConfig: Sendable, Equatable {
    /// The environment variable that carries the configuration.
    public static let environmentVariable = "CONSUL_ECS_CONFIG_JSON"

    /// `service`: the application's registration; `nil` when absent.
    public var service: Service?
    /// `proxy`: the sidecar's registration; `nil` when absent.
    public var proxy: Proxy?
    /// `gateway`: set for a gateway task (which then gets no sidecar).
    public var gateway: Gateway?
    /// `healthSyncContainers`; `nil` when absent or null (the tags or the task status decide).
    public var healthSyncContainers: [String]?
    /// Accepted fields the controller does not honour, in document order.
    public var warnings: [ConsulECSConfigWarning]

    public init(service: Service? = nil, proxy: Proxy? = nil, gateway: Gateway? = nil,
                healthSyncContainers: [String]? = nil, warnings: [ConsulECSConfigWarning] = []) {
        self.service = service
        self.proxy = proxy
        self.gateway = gateway
        self.healthSyncContainers = healthSyncContainers
        self.warnings = warnings
    }

    /// `service`.
    public struct Service: Sendable, Equatable {
        /// `service.name`; `nil` when empty or null (the family then names the service).
        public var name: String?
        /// `service.port`, 0…65535 (0: the task only calls out through the mesh).
        public var port: Int
        public var tags: [String]
        public var meta: [String: String]
        public var enableTagOverride: Bool
        public var weights: ServiceWeights?

        public init(name: String? = nil, port: Int, tags: [String] = [], meta: [String: String] = [:],
                    enableTagOverride: Bool = false, weights: ServiceWeights? = nil) {
            self.name = name
            self.port = port
            self.tags = tags
            self.meta = meta
            self.enableTagOverride = enableTagOverride
            self.weights = weights
        }
    }

    /// `proxy`.
    public struct Proxy: Sendable, Equatable {
        /// `proxy.publicListenerPort`; `nil` for the default (20000).
        public var publicListenerPort: Int?
        /// `proxy.localServiceAddress`; `nil` for the default (127.0.0.1).
        public var localServiceAddress: String?
        /// `proxy.upstreams`; `nil` when absent or null (the upstreams tag then applies).
        public var upstreams: [MeshUpstream]?
        /// `proxy.config`, opaque.
        public var config: JSONValue?
        /// `proxy.meshGateway.mode`.
        public var meshGateway: MeshGatewayMode?

        public init(publicListenerPort: Int? = nil, localServiceAddress: String? = nil, upstreams: [MeshUpstream]? = nil,
                    config: JSONValue? = nil, meshGateway: MeshGatewayMode? = nil) {
            self.publicListenerPort = publicListenerPort
            self.localServiceAddress = localServiceAddress
            self.upstreams = upstreams
            self.config = config
            self.meshGateway = meshGateway
        }
    }

    /// `gateway`.
    public struct Gateway: Sendable, Equatable {
        public var kind: GatewayKind
        /// `gateway.name`; `nil` when empty or null (the family then names the gateway).
        public var name: String?
        public var lanAddress: GatewayAddress?
        public var wanAddress: GatewayAddress?
        public var tags: [String]
        public var meta: [String: String]
        /// `gateway.proxy.config`, opaque.
        public var proxyConfig: JSONValue?

        public init(kind: GatewayKind, name: String? = nil, lanAddress: GatewayAddress? = nil,
                    wanAddress: GatewayAddress? = nil, tags: [String] = [], meta: [String: String] = [:],
                    proxyConfig: JSONValue? = nil) {
            self.kind = kind
            self.name = name
            self.lanAddress = lanAddress
            self.wanAddress = wanAddress
            self.tags = tags
            self.meta = meta
            self.proxyConfig = proxyConfig
        }
    }

    /// `gateway.lanAddress` / `gateway.wanAddress`; either part may be left to its default.
    public struct GatewayAddress: Sendable, Equatable {
        public var address: String?
        public var port: Int?

        public init(address: String? = nil, port: Int? = nil) {
            self.address = address
            self.port = port
        }
    }
}

/// `service.weights`: DNS SRV weights while passing and while warning. Coded as Consul spells a
/// service's `Weights` (the Consul client sends and reads this type).
public struct ServiceWeights: Sendable, Hashable, Codable {
    public var passing: Int
    public var warning: Int

    public init(passing: Int, warning: Int) {
        self.passing = passing
        self.warning = warning
    }

    enum CodingKeys: String, CodingKey { case passing = "Passing", warning = "Warning" }
}

/// `meshGateway.mode`: how an upstream in another datacenter is reached.
public enum MeshGatewayMode: String, Sendable, Hashable, Codable, CaseIterable {
    case none
    case local
    case remote
}

/// `gateway.kind`. consul-ecs knows `mesh-gateway`, `terminating-gateway` and `api-gateway`;
/// `ingress-gateway` is accepted too because Consul 1.8 has it.
public enum GatewayKind: String, Sendable, Hashable, Codable, CaseIterable {
    case meshGateway = "mesh-gateway"
    case terminatingGateway = "terminating-gateway"
    case ingressGateway = "ingress-gateway"
    case apiGateway = "api-gateway"

    /// Whether Consul 1.8.7 (the Consul this controller targets) can register the kind;
    /// `api-gateway` needs Consul 1.15.
    public var isSupportedOnConsul18: Bool { self != .apiGateway }

    /// consul-ecs's default LAN (and WAN) port of a gateway (terraform-aws-consul-ecs `gateway-task`).
    public static let defaultPort = 8443
}

/// An accepted field that the controller does not honour.
public struct ConsulECSConfigWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The field's path, e.g. `transparentProxy` or `proxy.upstreams[1].destinationNamespace`.
    public var field: String
    /// What the controller does instead.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Why a `CONSUL_ECS_CONFIG_JSON` cannot be used. The task is then left unregistered.
public struct ConsulECSConfigError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The offending field's path (`proxy.upstreams[0].localBindPort`), or `""` for the document.
    public var field: String
    /// What is wrong with it.
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "\(ConsulECSConfig.environmentVariable): \(reason)"
            : "\(ConsulECSConfig.environmentVariable) field \(field): \(reason)"
    }
}
