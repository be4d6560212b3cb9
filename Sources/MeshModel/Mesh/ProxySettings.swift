public import OpaqueJSON

/// The `Proxy` block of a sidecar registration (a gateway's has only ``config``), coded as Consul
/// spells it: the controller writes it, and reads it back from Consul's catalog.
///
/// Decoding is lenient (Consul writes `null` or `""` for unset fields, and adds fields in newer
/// versions); encoding writes only what is set.
public struct ProxySettings: Sendable, Equatable, Codable {
    public var destinationServiceName: String
    public var destinationServiceID: String
    public var localServiceAddress: String
    /// The application's port behind the proxy; 0 for an outbound-only service.
    public var localServicePort: Int
    public var upstreams: [MeshUpstream]
    /// Opaque proxy configuration (`proxy.config` of the consul-ecs config).
    public var config: JSONValue?
    /// `MeshGateway.Mode` of the proxy.
    public var meshGateway: MeshGatewayMode?

    public init(
        destinationServiceName: String, destinationServiceID: String,
        localServiceAddress: String = "127.0.0.1", localServicePort: Int, upstreams: [MeshUpstream] = [],
        config: JSONValue? = nil, meshGateway: MeshGatewayMode? = nil
    ) {
        self.destinationServiceName = destinationServiceName
        self.destinationServiceID = destinationServiceID
        self.localServiceAddress = localServiceAddress
        self.localServicePort = localServicePort
        self.upstreams = upstreams
        self.config = config
        self.meshGateway = meshGateway
    }

    /// A gateway's `Proxy`: configuration only.
    public static func gateway(config: JSONValue) -> ProxySettings {
        ProxySettings(destinationServiceName: "", destinationServiceID: "", localServiceAddress: "",
                      localServicePort: 0, upstreams: [], config: config)
    }

    enum CodingKeys: String, CodingKey {
        case destinationServiceName = "DestinationServiceName", destinationServiceID = "DestinationServiceID"
        case localServiceAddress = "LocalServiceAddress", localServicePort = "LocalServicePort"
        case upstreams = "Upstreams", config = "Config", meshGateway = "MeshGateway"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destinationServiceName = container.lenient(.destinationServiceName, default: "")
        destinationServiceID = container.lenient(.destinationServiceID, default: "")
        localServiceAddress = container.lenient(.localServiceAddress, default: "")
        localServicePort = container.lenient(.localServicePort, default: 0)
        upstreams = container.lenient(.upstreams, default: [])
        config = container.lenient(.config)
        meshGateway = (container.lenient(.meshGateway) as MeshGatewayBlock?)?.mode
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // A gateway's block has no destination: only what is set is written.
        if !destinationServiceName.isEmpty {
            try container.encode(destinationServiceName, forKey: .destinationServiceName)
            try container.encode(destinationServiceID, forKey: .destinationServiceID)
            try container.encode(localServiceAddress, forKey: .localServiceAddress)
            try container.encode(localServicePort, forKey: .localServicePort)
        }
        try container.encodeUnlessEmpty(upstreams, forKey: .upstreams)
        try container.encodeIfPresent(config, forKey: .config)
        try container.encodeIfPresent(meshGateway.map(MeshGatewayBlock.init), forKey: .meshGateway)
    }
}

/// Consul's `{"Mode": "..."}`; an empty or unknown mode reads as none set.
struct MeshGatewayBlock: Codable {
    var mode: MeshGatewayMode?

    enum CodingKeys: String, CodingKey { case mode = "Mode" }

    init(mode: MeshGatewayMode?) { self.mode = mode }

    init(from decoder: any Decoder) throws {
        mode = (try decoder.container(keyedBy: CodingKeys.self)).lenient(.mode)
    }
}
