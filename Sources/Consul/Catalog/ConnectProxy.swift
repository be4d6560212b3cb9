public import OpaqueJSON

/// The `Proxy` block of a sidecar proxy registration (a gateway's carries only ``config``).
public struct ConnectProxy: Sendable, Equatable, Codable {
    public var destinationServiceName: String
    public var destinationServiceID: String
    public var localServiceAddress: String
    /// The application's port behind the proxy; 0 for an outbound-only service.
    public var localServicePort: Int
    public var upstreams: [Upstream]
    /// Opaque configuration for the proxy (`Config`).
    public var config: JSONValue?
    /// `MeshGateway.Mode`: `none`, `local` or `remote`.
    public var meshGatewayMode: String?

    /// A service this proxy forwards to, listening on `localBindPort` on loopback.
    public struct Upstream: Sendable, Hashable, Codable {
        public var destinationName: String
        public var localBindPort: Int
        /// `service` (default) or `prepared_query`.
        public var destinationType: String?
        public var datacenter: String?
        public var localBindAddress: String?
        public var meshGatewayMode: String?
        public var config: JSONValue?

        public init(destinationName: String, localBindPort: Int, destinationType: String? = nil,
                    datacenter: String? = nil, localBindAddress: String? = nil, meshGatewayMode: String? = nil,
                    config: JSONValue? = nil) {
            self.destinationName = destinationName
            self.localBindPort = localBindPort
            self.destinationType = destinationType
            self.datacenter = datacenter
            self.localBindAddress = localBindAddress
            self.meshGatewayMode = meshGatewayMode
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
            destinationType = (container.lenient(.destinationType) as String?).flatMap { $0.isEmpty ? nil : $0 }
            datacenter = (container.lenient(.datacenter) as String?).flatMap { $0.isEmpty ? nil : $0 }
            localBindAddress = (container.lenient(.localBindAddress) as String?).flatMap { $0.isEmpty ? nil : $0 }
            meshGatewayMode = (container.lenient(.meshGateway) as MeshGatewayBlock?)?.mode
            config = container.lenient(.config)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(destinationName, forKey: .destinationName)
            try container.encode(localBindPort, forKey: .localBindPort)
            try container.encodeIfPresent(destinationType, forKey: .destinationType)
            try container.encodeIfPresent(datacenter, forKey: .datacenter)
            try container.encodeIfPresent(localBindAddress, forKey: .localBindAddress)
            try container.encodeIfPresent(meshGatewayMode.map(MeshGatewayBlock.init), forKey: .meshGateway)
            try container.encodeIfPresent(config, forKey: .config)
        }
    }

    /// `{"Mode": "..."}`; an empty mode reads as none set.
    struct MeshGatewayBlock: Codable {
        var mode: String?

        enum CodingKeys: String, CodingKey { case mode = "Mode" }

        init(mode: String?) { self.mode = mode }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mode = (container.lenient(.mode) as String?).flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    public init(
        destinationServiceName: String, destinationServiceID: String, localServiceAddress: String = "127.0.0.1",
        localServicePort: Int, upstreams: [Upstream] = [], config: JSONValue? = nil, meshGatewayMode: String? = nil
    ) {
        self.destinationServiceName = destinationServiceName
        self.destinationServiceID = destinationServiceID
        self.localServiceAddress = localServiceAddress
        self.localServicePort = localServicePort
        self.upstreams = upstreams
        self.config = config
        self.meshGatewayMode = meshGatewayMode
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
        meshGatewayMode = (container.lenient(.meshGateway) as MeshGatewayBlock?)?.mode
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
        try container.encodeIfPresent(meshGatewayMode.map(MeshGatewayBlock.init), forKey: .meshGateway)
    }
}
