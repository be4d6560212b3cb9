public import OpaqueJSON

/// One upstream of a mesh task: a destination service reached through a local port of the sidecar.
///
/// From the `consul.hashicorp.com/upstreams` tag (`name:port`) or from `proxy.upstreams` of the
/// task's `CONSUL_ECS_CONFIG_JSON`; becomes an entry of the proxy's `Upstreams` in the catalog
/// registration, coded as Consul spells it (leniently read back, like ``ProxySettings``).
public struct MeshUpstream: Sendable, Hashable, Codable {
    /// The Consul service (or prepared query) name of the destination.
    public var destinationName: String
    /// The port the sidecar listens on, on 127.0.0.1 inside the task, for this destination.
    public var localBindPort: Int
    /// The datacenter to find the destination in; `nil` for the local one.
    public var datacenter: String?
    /// How a destination in another datacenter is reached; `nil` for the proxy's default.
    public var meshGateway: MeshGatewayMode?
    /// The address the local listener binds; `nil` for the proxy's default.
    public var localBindAddress: String?
    /// `service` or `prepared_query`; `nil` for `service`.
    public var destinationType: String?
    /// Opaque settings for the proxy's listener of this upstream.
    public var config: JSONValue?

    public init(destinationName: String, localBindPort: Int, datacenter: String? = nil,
                meshGateway: MeshGatewayMode? = nil, localBindAddress: String? = nil,
                destinationType: String? = nil, config: JSONValue? = nil) {
        self.destinationName = destinationName
        self.localBindPort = localBindPort
        self.datacenter = datacenter
        self.meshGateway = meshGateway
        self.localBindAddress = localBindAddress
        self.destinationType = destinationType
        self.config = config
    }

    enum CodingKeys: String, CodingKey {
        case destinationName = "DestinationName", localBindPort = "LocalBindPort"
        case destinationType = "DestinationType", datacenter = "Datacenter"
        case localBindAddress = "LocalBindAddress", meshGateway = "MeshGateway", config = "Config"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destinationName = try container.decode(String.self, forKey: .destinationName)
        localBindPort = container.lenient(.localBindPort, default: 0)
        destinationType = container.lenientNonEmpty(.destinationType)
        datacenter = container.lenientNonEmpty(.datacenter)
        localBindAddress = container.lenientNonEmpty(.localBindAddress)
        meshGateway = (container.lenient(.meshGateway) as MeshGatewayBlock?)?.mode
        config = container.lenient(.config)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(destinationName, forKey: .destinationName)
        try container.encode(localBindPort, forKey: .localBindPort)
        try container.encodeIfPresent(destinationType, forKey: .destinationType)
        try container.encodeIfPresent(datacenter, forKey: .datacenter)
        try container.encodeIfPresent(localBindAddress, forKey: .localBindAddress)
        try container.encodeIfPresent(meshGateway.map(MeshGatewayBlock.init), forKey: .meshGateway)
        try container.encodeIfPresent(config, forKey: .config)
    }
}
