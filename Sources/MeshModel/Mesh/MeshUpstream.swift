public import OpaqueJSON

/// One upstream of a mesh task: a destination service reached through a local port of the sidecar.
///
/// From the `consul.hashicorp.com/upstreams` tag (`name:port`) or from `proxy.upstreams` of the
/// task's `CONSUL_ECS_CONFIG_JSON`; becomes an entry of the proxy's `Upstreams` in the catalog
/// registration.
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
}
